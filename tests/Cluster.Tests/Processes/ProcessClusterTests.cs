using System.Text.Json.Nodes;
using NasNet.Cluster.Tests.Infrastructure;

namespace NasNet.Cluster.Tests.Processes;

/// <summary>
/// The deployment shape for real: redis-server, three NasNet.Silo processes with Redis clustering, the nasnet client
/// as a process; kill -9 a silo mid-campaign, stop and restart every silo, stop Redis for a few seconds.
/// </summary>
public sealed class ProcessClusterTests : IDisposable
{
    private readonly RedisServer _redis = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("nasnet-proc-").FullName;

    public void Dispose()
    {
        _redis.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string WriteConfig(string name, int candidates, int epochs, double secondsPerEpoch)
    {
        var path = Path.Combine(_dir, name + ".json");
        File.WriteAllText(path, InProcess.TestClusters.Config(candidates, epochs, secondsPerEpoch, leaseSeconds: 3));
        return path;
    }

    private static int Int(JsonObject s, string key) => s[key]!.GetValue<int>();

    private static string State(JsonObject s) => s["state"]!.GetValue<string>();

    private static void AssertCompletedOnce(JsonObject s, int budget)
    {
        Assert.Equal("completed", State(s));
        Assert.Equal(budget, Int(s, "completed"));
        Assert.Equal(0, Int(s, "failed"));
        Assert.Equal(budget, Int(s, "rewardsApplied"));
        Assert.Equal(0, Int(s, "pending") + Int(s, "running"));
    }

    [Fact]
    public async Task ThreeSiloProcesses_KillNineThenFullRestartAndResume_EveryCampaignCompletesOnce()
    {
        using var cluster = new SiloCluster(_redis);
        cluster.Start(3);
        await cluster.WaitReadyAsync();

        // 1. kill -9 a silo with busy trainers mid-campaign.
        var (code, output) = await cluster.ClientAsync("campaign", "start", "--config", WriteConfig("a", 36, 3, 0.4), "--json");
        Assert.True(code == 0, output);
        var id = JsonNode.Parse(output.Trim().Split('\n')[^1])!["id"]!.GetValue<string>();
        await using (var connection = await cluster.ConnectAsync())
        {
            var campaign = connection.Client.GetGrain<ICampaignGrain>(id);
            var busy = await Wait.Until(campaign.GetStatus,
                st => st.State != CampaignState.Running || (st.Completed >= 6 && st.Trainers.Any(t => t.Epoch >= 1 && !t.TrainerId.StartsWith("silo0/", StringComparison.Ordinal))),
                TimeSpan.FromMinutes(3), "a busy trainer on silo1 or silo2");
            Assert.Equal(CampaignState.Running, busy.State);
            var victim = busy.Trainers.First(t => t.Epoch >= 1 && !t.TrainerId.StartsWith("silo0/", StringComparison.Ordinal)).TrainerId.Split('/')[0];
            cluster.KillNine(int.Parse(victim["silo".Length..], System.Globalization.CultureInfo.InvariantCulture));
        }

        await cluster.WaitEndAsync(id);
        var done = await cluster.StatusAsync(id);
        AssertCompletedOnce(done, 36);
        Assert.True(Int(done, "resumedFromCheckpoint") >= 1, done.ToJsonString());
        var exportDir = Path.Combine(_dir, "export");
        (code, output) = await cluster.ClientAsync("campaign", "export", id, "--out", exportDir);
        Assert.True(code == 0, output);
        var rows = File.ReadAllLines(Path.Combine(exportDir, "candidates.csv")).Skip(1).ToArray();
        Assert.Equal(36, rows.Length);
        Assert.All(rows, r => Assert.Equal("done", r.Split(',')[2]));
        Assert.True(File.Exists(Path.Combine(exportDir, "best-normal.svg")));
        Assert.NotEmpty(System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(exportDir, "pareto.json")))!["multAdds"]!.AsArray());

        // 2. Stop every silo mid-campaign (SIGTERM: drain), start them again, resume: it completes.
        (code, output) = await cluster.ClientAsync("campaign", "start", "--config", WriteConfig("b", 30, 2, 0.4), "--json");
        Assert.True(code == 0, output);
        var id2 = JsonNode.Parse(output.Trim().Split('\n')[^1])!["id"]!.GetValue<string>();
        CampaignStatus partial;
        await using (var connection = await cluster.ConnectAsync())
        {
            partial = await Wait.Until(connection.Client.GetGrain<ICampaignGrain>(id2).GetStatus,
                st => st.State != CampaignState.Running || st.Completed >= 5, TimeSpan.FromMinutes(3), "campaign b under way");
            Assert.Equal(CampaignState.Running, partial.State);
        }

        await cluster.TerminateAllAsync();
        Assert.All(cluster.Silos, s => Assert.True(s!.HasExited));
        Assert.Contains("drains", cluster.Logs());

        cluster.Start(3);
        await cluster.WaitReadyAsync();
        (code, output) = await cluster.ClientAsync("campaign", "resume", id2);
        Assert.True(code == 0, output);
        await cluster.WaitEndAsync(id2);
        var done2 = await cluster.StatusAsync(id2);
        AssertCompletedOnce(done2, 30);
        Assert.True(partial.Completed < 30);
    }

    [Fact]
    public async Task RedisStoppedForSecondsMidCampaign_SilosReconnectAndCampaignCompletes()
    {
        using var cluster = new SiloCluster(_redis);
        cluster.Start(2);
        await cluster.WaitReadyAsync();
        var (code, output) = await cluster.ClientAsync("campaign", "start", "--config", WriteConfig("r", 24, 2, 0.4), "--json");
        Assert.True(code == 0, output);
        var id = JsonNode.Parse(output.Trim().Split('\n')[^1])!["id"]!.GetValue<string>();
        await using var connection = await cluster.ConnectAsync();
        var campaign = connection.Client.GetGrain<ICampaignGrain>(id);
        var under = await Wait.Until(campaign.GetStatus, st => st.State != CampaignState.Running || st.Completed >= 5, TimeSpan.FromMinutes(3), "5 done");
        Assert.Equal(CampaignState.Running, under.State);

        // Reads all through the outage and after it: the controller's writes fail, it reloads from storage, and no
        // read may have shown what the reload takes back (a proposal, a result, a reward that was never stored).
        using var reading = new CancellationTokenSource();
        var reads = ReadUntilCancelledAsync(campaign, reading.Token);
        _redis.Stop();
        await Task.Delay(TimeSpan.FromSeconds(4));
        _redis.Start();

        await cluster.WaitEndAsync(id);
        reading.Cancel();
        var seen = await reads;
        var done = await cluster.StatusAsync(id);
        AssertCompletedOnce(done, 24);
        Assert.True(seen.Count > 10, $"{seen.Count} reads");
        foreach (var (name, value) in new (string, Func<CampaignStatus, int>)[] { ("proposed", s => s.Proposed), ("completed", s => s.Completed), ("rewardsApplied", s => s.RewardsApplied), ("policyUpdates", s => s.PolicyUpdates) })
        {
            var back = seen.Zip(seen.Skip(1)).FirstOrDefault(p => value(p.Second) < value(p.First));
            Assert.True(back == default, $"{name} went back from {(back == default ? 0 : value(back.First))} to {(back == default ? 0 : value(back.Second))}");
        }
    }

    /// <summary>Every status read that answered, in order, until cancelled (reads that fail during an outage are skipped).</summary>
    private static async Task<List<CampaignStatus>> ReadUntilCancelledAsync(ICampaignGrain campaign, CancellationToken stop)
    {
        var seen = new List<CampaignStatus>();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                seen.Add(await campaign.GetStatus());
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The silo hosting the campaign may be between activations; the next read answers.
            }

            await Task.Delay(100, CancellationToken.None);
        }

        return seen;
    }
}
