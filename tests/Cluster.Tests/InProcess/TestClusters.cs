using NasNet.Cluster.Tests.Infrastructure;
using NasNet.Grains.Hosting;
using NasNet.Silo;
using Orleans.TestingHost;

namespace NasNet.Cluster.Tests.InProcess;

/// <summary>
/// In-process 3-silo clusters configured by the silo's own <see cref="NasNetHosting.ConfigureNasNet"/> (clustering left
/// to the test host), with Redis storage, reminders and checkpoints on a real redis-server, fast failure detection.
/// </summary>
public static class TestClusters
{
    public static async Task<InProcessTestCluster> DeployAsync(RedisServer redis, int silos = 3, int slots = 2)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        var options = new NasNetOptions
        {
            Redis = redis.ConnectionString,
            Slots = slots,
            FastMembership = true,
            ResponseTimeoutSeconds = 10,
            DrainSeconds = 5,
        };
        builder.ConfigureSilo((_, silo) => silo.ConfigureNasNet(options, clustering: false));
        builder.ConfigureClient(c => c.Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10)));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>An embedded silo (the client's in-process mode) on free loopback ports, HTTP on a free port, 1 slot.</summary>
    public static Task<EmbeddedSilo> StartEmbeddedAsync(string clusterId, int slots = 1, string? webToken = null) => EmbeddedSilo.StartAsync(new Dictionary<string, string?>
    {
        ["NasNet:SiloPort"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["NasNet:GatewayPort"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["NasNet:DashboardPort"] = "0",
        ["NasNet:ClusterId"] = clusterId,
        ["NasNet:Slots"] = slots.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["NasNet:WebToken"] = webToken,
    });

    /// <summary>A simulated campaign config.</summary>
    public static string Config(int candidates, int epochs, double secondsPerEpoch, double leaseSeconds = 3, string strategy = "random", int seed = 1, string name = "t") =>
        $$"""
        { "name": "{{name}}", "seed": {{seed}}, "strategy": { "kind": "{{strategy}}", "batchSize": 5, "maxStaleness": 1000 }, "dataset": { "kind": "synthetic" },
          "child": { "epochs": {{epochs}} }, "trainer": { "kind": "simulated", "secondsPerEpoch": {{secondsPerEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture)}} },
          "budget": { "candidates": {{candidates}} }, "lease": { "seconds": {{leaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}} } }
        """;

    public static Task<CampaignStatus> WaitDoneAsync(IGrainFactory grains, string id, TimeSpan? timeout = null) =>
        Wait.Until(() => grains.GetGrain<ICampaignGrain>(id).GetStatus(), s => s.State != CampaignState.Running, timeout ?? TimeSpan.FromMinutes(2), $"campaign {id} to end", TimeSpan.FromMilliseconds(250));

    /// <summary>Every candidate: done, exactly one recorded result.</summary>
    public static async Task<CandidateView[]> AssertEveryCandidateOnceAsync(IGrainFactory grains, string id, int budget)
    {
        var rows = await grains.GetGrain<ICampaignGrain>(id).GetCandidates();
        Assert.Equal(budget, rows.Length);
        var views = await Task.WhenAll(rows.Select(r => grains.GetGrain<ICandidateGrain>(r.CandidateId).Get()));
        Assert.All(views, v =>
        {
            Assert.Equal(CandidateStatus.Done, v.Status);
            Assert.Equal(1, v.ResultsRecorded);
            Assert.NotNull(v.Result);
        });
        return views;
    }
}
