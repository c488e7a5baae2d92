using System.Text.Json.Nodes;
using NasNet.Cluster.Tests.Chaos;
using NasNet.Cluster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NasNet.Cluster.Tests.Deploy;

/// <summary>
/// The images as a cluster: three nasnet-silo containers (deploy/cluster.sh, host networking) on a real redis-server,
/// the nasnet-client container starting and reading the campaign; <c>docker kill</c> of one busy silo and
/// <c>docker stop</c> (SIGTERM, drain, the manifests' grace period) of another; the campaign completes, every
/// reward applied once.
/// </summary>
[Collection(ImagesCollection.Name)]
public sealed class ImageClusterTests(ImageFixture images, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("nasnet-images-").FullName;
    private ContainerSilos _silos = null!;
    private SiloFleet _fleet = null!;

    public Task InitializeAsync()
    {
        // The client container runs as UID 1654 and reads its config from this folder.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_dir, (UnixFileMode)0b111_101_101);
        }

        output.WriteLine(images.BuildLog);
        _silos = new ContainerSilos(images.Docker, $"nasnet-test-{Guid.NewGuid():N}"[..20], ImageFixture.Tag);
        _fleet = new SiloFleet(_silos, _redis.ConnectionString, new Dictionary<string, string>
        {
            ["Slots"] = "2",
            // Tests only: a dead silo is declared dead in about a second (the manifests keep Orleans' defaults).
            ["FastMembership"] = "true",
            ["ResponseTimeoutSeconds"] = "10",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _silos.RemoveAllAsync();
        _redis.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task ThreeSiloContainers_DockerKillOneAndDockerStopAnother_CampaignCompletesWithEachRewardOnce()
    {
        var silos = new List<FleetSilo>();
        for (var i = 0; i < 3; i++)
        {
            silos.Add(await _fleet.StartAsync());
        }

        await _fleet.WaitHealthyAsync(TimeSpan.FromMinutes(3));
        foreach (var s in silos)
        {
            // The process in the container runs as the image's user (docker top: the host's view of its UID).
            var top = (await images.Docker.CheckedAsync("top", Container(s), "-eo", "pid,uid,args")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Skip(1).Select(l => l.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries)).ToList();
            Assert.Contains(top, p => p[1] == "1654" && p[2].Contains("NasNet.Silo.dll"));
            Assert.All(top, p => Assert.Equal("1654", p[1]));
        }

        Assert.Equal("1654", (await images.Docker.CheckedAsync("image", "inspect", "-f", "{{.Config.User}}", $"nasnet-client:{ImageFixture.Tag}")).Trim());
        File.WriteAllText(Path.Combine(_dir, "campaign.json"), InProcess.TestClusters.Config(24, 3, 1.0, leaseSeconds: 3));
        var start = await ClientContainerAsync("campaign", "start", "--config", "campaign.json", "--json");
        Assert.True(start.Code == 0, start.Output);
        var id = JsonNode.Parse(start.Output.Trim().Split('\n')[^1])!["id"]!.GetValue<string>();

        await using var connection = await _fleet.ConnectAsync();
        var watch = new CampaignWatch(id);
        var grains = connection.Client;
        // docker kill a silo other than silo0 while one of its trainers is past its first epoch checkpoint...
        var killed = await BusySiloAsync(grains, watch, except: [silos[0].Name]);
        await _fleet.KillAsync(killed);
        // ...then docker stop another busy one: it drains (gives its leases back at their checkpoints) and exits.
        var stopped = await BusySiloAsync(grains, watch, except: [killed.Name]);
        await _fleet.TerminateAsync(stopped);

        var views = await CampaignPoller.WatchToEndAsync(grains, watch, TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(500));
        var logs = await _fleet.LogsAsync();
        Assert.True(watch.Violations.Count == 0, string.Join('\n', watch.Violations) + "\n" + Tail(logs));
        Assert.Equal(24, views.Length);
        Assert.Equal("137", (await images.Docker.CheckedAsync("inspect", "-f", "{{.State.ExitCode}}", Container(killed))).Trim());
        // SIGTERM: the silo drained and left within the grace period (exit 0, not the SIGKILL after the timeout).
        Assert.Equal("0", (await images.Docker.CheckedAsync("inspect", "-f", "{{.State.ExitCode}}", Container(stopped))).Trim());
        Assert.Contains("drains: gives back", stopped.FinalLogs);
        Assert.Contains("drained (all slots)", stopped.FinalLogs);

        var status = await ClientContainerAsync("campaign", "status", id, "--json");
        Assert.True(status.Code == 0, status.Output);
        var json = (JsonObject)JsonNode.Parse(status.Output.Trim().Split('\n')[^1])!;
        Assert.Equal("completed", json["state"]!.GetValue<string>());
        Assert.Equal(24, json["completed"]!.GetValue<int>());
        Assert.Equal(0, json["failed"]!.GetValue<int>());
        Assert.Equal(24, json["rewardsApplied"]!.GetValue<int>());
        // The killed and the drained trainings resumed from their epoch checkpoints (in Redis).
        Assert.True(json["resumedFromCheckpoint"]!.GetValue<int>() >= 2, json.ToJsonString());
        output.WriteLine(json.ToJsonString());
    }

    private string Container(FleetSilo silo) => $"{_silos.Project}-{silo.Name}";

    /// <summary>Reads until a live silo not in <paramref name="except"/> has a trainer past its first epoch.</summary>
    private async Task<FleetSilo> BusySiloAsync(IGrainFactory grains, CampaignWatch watch, string[] except)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                await watch.ReadAsync(grains);
            }
            catch (Exception e) when (e is Orleans.Runtime.OrleansException or TimeoutException)
            {
                // The controller was on the killed silo: unreachable until the cluster declares that silo dead.
                await Task.Delay(500);
                continue;
            }

            Assert.Equal(CampaignState.Running, watch.Last!.State);
            var busy = watch.Last.Trainers.Where(t => t.Epoch >= 1).Select(t => t.TrainerId.Split('/')[0]).ToHashSet();
            if (_fleet.Live.FirstOrDefault(s => busy.Contains(s.Name) && !except.Contains(s.Name)) is { } silo)
            {
                return silo;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("no busy silo to stop");
    }

    /// <summary>The client image through deploy/cluster.sh (the test folder is the container's /work).</summary>
    private Task<CommandResult> ClientContainerAsync(params string[] args) =>
        Command.RunAsync("bash", [ContainerSilos.ClusterScript, "nasnet", .. args], TimeSpan.FromMinutes(2), new Dictionary<string, string>(images.Docker.Environment)
        {
            ["NASNET_PROJECT"] = _silos.Project,
            ["NASNET_TAG"] = ImageFixture.Tag,
            ["NASNET_REDIS"] = _redis.ConnectionString,
            ["NASNET_CLUSTER_ID"] = _fleet.ClusterId,
            ["NASNET_SERVICE_ID"] = _fleet.ServiceId,
        }, workingDirectory: _dir);

    private static string Tail(string logs) => string.Join('\n', logs.Split('\n').Where(l => l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.StartsWith("====", StringComparison.Ordinal)).TakeLast(60));
}
