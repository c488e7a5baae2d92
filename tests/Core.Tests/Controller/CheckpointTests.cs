using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;

namespace NasNet.Core.Tests.Controller;

public class CheckpointTests
{
    [Theory]
    [InlineData("ppo", "nasnet")]
    [InlineData("random", "nasnet")]
    [InlineData("evolution", "nasnet")]
    [InlineData("ppo", "nas-bench-201")]
    [InlineData("random", "nas-bench-201")]
    [InlineData("evolution", "nas-bench-201")]
    public void Restore_MidRun_NextProposalsUpdatesAndStateMatchUninterruptedRun(string kind, string spaceName)
    {
        var space = SearchSpaces.Get(spaceName);
        var options = new StrategyOptions
        {
            Kind = WireEnum.Parse<StrategyKind>(kind, "kind"), Hidden = 32, BatchSize = 5, ProposeAhead = 4, LearningRate = 0.01, MaxStaleness = 1,
            Population = 8, Tournament = 3,
        };
        var reward = new SyntheticTargetReward(space, 11);
        using var a = SearchStrategies.Create(options, space, 42);
        var driver = new StrategyDriver(workers: 6, seed: 7);
        driver.Run(a, space, reward.Exact, 23); // mid-batch, with pending and buffered samples
        Assert.True(a.Pending > 0);

        var saved = a.Save();
        var versionAtSave = a.PolicyVersion;
        var copy = driver.Copy();
        using var b = SearchStrategies.Restore(options, space, saved);
        Assert.Equal(saved, b.Save());

        driver.Log.Clear();
        driver.Run(a, space, reward.Exact, 30);
        copy.Log.Clear();
        copy.Run(b, space, reward.Exact, 30);

        Assert.Equal(driver.Log, copy.Log);
        Assert.Equal(a.Save(), b.Save()); // weights, Adam moments, baseline, RNG, population, pending: all identical
        Assert.Equal(a.RewardsApplied, b.RewardsApplied);
        if (kind == "ppo")
        {
            Assert.True(a.PolicyVersion >= versionAtSave + 5, "the continuation ran several PPO updates");
            Assert.True(((PpoSearch)a).StaleDropped > 0, "the run exercised the staleness rule");
        }
    }
}
