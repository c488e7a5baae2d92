namespace NasNet.Cluster.Tests.Deploy;

/// <summary>
/// The production images, built once for every test of the collection: deploy/images.sh --local-base (a Debian base
/// made here with debootstrap from apt's mirror and this machine's .NET, no registry) builds src/Silo/Dockerfile and
/// src/Client/Dockerfile as nasnet-silo:test and nasnet-client:test. Docker's layer cache and the cached rootfs make a
/// second run cheap; the images stay for the next run.
/// </summary>
public sealed class ImageFixture : IAsyncLifetime
{
    public const string Tag = "test";

    private DockerEngine? _docker;

    public DockerEngine Docker => _docker ?? throw new InvalidOperationException("the image fixture did not start");

    /// <summary>What deploy/images.sh printed (build times and image sizes).</summary>
    public string BuildLog { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _docker = await DockerEngine.ConnectAsync();
        var result = await Command.RunAsync("bash", [Path.Combine(Infrastructure.Repo.Root, "deploy", "images.sh"), "--local-base", "--tag", Tag], TimeSpan.FromMinutes(45), _docker.Environment);
        BuildLog = result.Output;
        if (result.Code != 0)
        {
            throw new InvalidOperationException($"deploy/images.sh --local-base failed ({result.Code}): {result.Tail(15)}");
        }
    }

    public async Task DisposeAsync()
    {
        if (_docker is not null)
        {
            await _docker.DisposeAsync();
        }
    }
}

/// <summary>The tests that run the images: one fixture, so the images are built once.</summary>
[CollectionDefinition(Name)]
public sealed class ImagesCollection : ICollectionFixture<ImageFixture>
{
    public const string Name = "images";
}
