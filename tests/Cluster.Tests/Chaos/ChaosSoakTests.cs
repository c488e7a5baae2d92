using NasNet.Cluster.Tests.Deploy;
using NasNet.Cluster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NasNet.Cluster.Tests.Chaos;

/// <summary>
/// The short chaos soak (the long one is bench/Chaos): three silo processes on a real Redis, campaigns back to back,
/// and a seeded schedule of kill -9, SIGTERM, restarts and Redis outages for 45 s (at least one cycle of the four
/// kinds); every status read checked, every campaign complete with each candidate's result and reward exactly once.
/// </summary>
public sealed class ChaosSoakTests(ITestOutputHelper output) : IDisposable
{
    private readonly RedisServer _redis = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("nasnet-chaos-").FullName;

    public void Dispose()
    {
        _redis.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task SeededKillsStopsRestartsAndRedisOutages_EveryCampaignCompletesOnce_NoCounterGoesBack()
    {
        var options = new ChaosOptions(Seed: 7, DurationSeconds: 45);
        var soak = new ChaosSoak(options, new ProcessSilos(), _redis, output.WriteLine);

        var report = await soak.RunAsync(_dir);
        output.WriteLine(report.Table());

        Assert.True(report.Violations.Count == 0, string.Join('\n', report.Violations));
        // The schedule deals the four kinds in seeded cycles; the soak runs at least one.
        Assert.All(Enum.GetValues<ChaosKind>(), k => Assert.True(report.Count(k) >= 1, $"no {k} in {report.Events.Count} events"));
        Assert.NotEmpty(report.Campaigns);
        Assert.All(report.Campaigns, c => Assert.Equal(CampaignState.Completed, c.Last!.State));
        Assert.True(report.Reads > 20, $"{report.Reads} reads");
        // Work is lost only by the trainings an event hit (a silo's, or every running one during a Redis outage), and
        // each loses at most its candidate's epochs. Typically far less (resumes from the epoch checkpoint: 2.4 of
        // 180 epochs in one run); a kill or outage that expires a lease before its next checkpoint costs more (19.8
        // in another run of the same seed), so the figure is reported, and only the hard bound is asserted.
        var interruptions = report.Events.Sum(e => e.TrainingsHit);
        Assert.True(report.LostEpochs <= (interruptions * options.Epochs) + 1, report.Table());
    }

    [Fact]
    public void Schedule_IsAFunctionOfTheSeed_AndDealsEveryKindInEachCycleOfFour()
    {
        var a = ChaosSoak.Schedule(new ChaosOptions(Seed: 3)).Take(12).ToList();
        var b = ChaosSoak.Schedule(new ChaosOptions(Seed: 3)).Take(12).ToList();
        var c = ChaosSoak.Schedule(new ChaosOptions(Seed: 4)).Take(12).ToList();

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.All(a.Chunk(4), cycle => Assert.Equal(Enum.GetValues<ChaosKind>().Order(), cycle.Select(e => e.Kind).Order()));
        Assert.All(a, e => Assert.InRange(e.Gap, 3, 9));
    }
}
