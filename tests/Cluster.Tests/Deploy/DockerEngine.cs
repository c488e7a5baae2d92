namespace NasNet.Cluster.Tests.Deploy;

/// <summary>
/// The docker CLI against a daemon: DOCKER_HOST when set (.ci/run starts one), else the default socket when it answers,
/// else a private dockerd started by deploy/dockerd.sh (root only) and stopped again at dispose.
/// </summary>
public sealed class DockerEngine : IAsyncDisposable
{
    public const string Install = "apt-get install -y docker.io debootstrap";

    private readonly bool _started;

    private DockerEngine(string? host, bool started)
    {
        Host = host;
        _started = started;
    }

    /// <summary>The DOCKER_HOST the CLI uses (null: the CLI's default).</summary>
    public string? Host { get; }

    /// <summary>Environment for child processes that call docker.</summary>
    public IReadOnlyDictionary<string, string> Environment => Host is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["DOCKER_HOST"] = Host };

    public static async Task<DockerEngine> ConnectAsync()
    {
        if (Command.Find("docker") is null)
        {
            throw new InvalidOperationException($"docker is not on PATH: run '{Install}'");
        }

        var configured = System.Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrEmpty(configured) || await AnswersAsync(null))
        {
            var engine = new DockerEngine(configured, started: false);
            return await AnswersAsync(configured) ? engine : throw new InvalidOperationException($"the Docker daemon at DOCKER_HOST={configured} does not answer");
        }

        // A private daemon already running (started by deploy/dockerd.sh for an earlier run or by hand) is used, not owned.
        var running = await Command.RunAsync("bash", [Script, "host"], TimeSpan.FromMinutes(1));
        if (running.Code == 0)
        {
            return new DockerEngine(running.Output.Trim().Split('\n')[^1], started: false);
        }

        var start = await Command.RunAsync("bash", [Script, "start"], TimeSpan.FromMinutes(2));
        if (start.Code != 0)
        {
            throw new InvalidOperationException($"no Docker daemon and none could be started ({start.Tail(3)}): run as root with '{Install}', or set DOCKER_HOST");
        }

        return new DockerEngine(start.Output.Trim().Split('\n')[^1], started: true);
    }

    public Task<CommandResult> RunAsync(TimeSpan timeout, params string[] args) => Command.RunAsync("docker", args, timeout, Environment);

    /// <summary>Runs docker and returns its output; fails with the output's tail unless it exits with 0.</summary>
    public Task<string> CheckedAsync(params string[] args) => Command.CheckedAsync("docker", args, TimeSpan.FromMinutes(3), Environment);

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await Command.RunAsync("bash", [Script, "stop"], TimeSpan.FromMinutes(1));
        }
    }

    private static string Script => Path.Combine(Infrastructure.Repo.Root, "deploy", "dockerd.sh");

    private static async Task<bool> AnswersAsync(string? host)
    {
        var env = host is null ? null : new Dictionary<string, string> { ["DOCKER_HOST"] = host };
        try
        {
            return (await Command.RunAsync("docker", ["version", "--format", "{{.Server.Version}}"], TimeSpan.FromSeconds(20), env)).Code == 0;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
