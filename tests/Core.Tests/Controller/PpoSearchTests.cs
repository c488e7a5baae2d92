using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;
using TorchSharp;

namespace NasNet.Core.Tests.Controller;

public class PpoSearchTests
{
    private static readonly CellSearchSpace Space = CellSearchSpace.Default;

    private static StrategyOptions Small(int batch = 4, int maxStaleness = 5) => new()
    {
        Kind = StrategyKind.Ppo, Hidden = 32, BatchSize = batch, ProposeAhead = 3, MaxStaleness = maxStaleness, LearningRate = 0.01,
    };

    private static float[] Weights(PpoSearch s) =>
        s.Policy.parameters().SelectMany(p => p.detach().data<float>().ToArray()).ToArray();

    [Fact]
    public void Observe_SameSampleTwice_SecondChangesNothing()
    {
        using var s = new PpoSearch(Small(batch: 2), Space, 1);
        var a = s.Propose();
        var b = s.Propose();
        Assert.True(s.Observe(a.SampleId, 0.5));
        var before = s.Save();

        Assert.False(s.Observe(a.SampleId, 0.9));
        Assert.Equal(before, s.Save());
        Assert.Equal(1, s.RewardsApplied);

        Assert.True(s.Observe(b.SampleId, 0.7)); // completes the batch
        Assert.Equal(1, s.PolicyVersion);
        var afterUpdate = s.Save();
        Assert.False(s.Observe(b.SampleId, 0.7));
        Assert.False(s.Observe(a.SampleId, 0.1));
        Assert.Equal(afterUpdate, s.Save());
    }

    [Fact]
    public void Observe_UnknownOrDiscardedId_ReturnsFalse()
    {
        using var s = new PpoSearch(Small(), Space, 1);
        var a = s.Propose();
        Assert.False(s.Observe(12345, 0.5));
        Assert.True(s.Discard(a.SampleId));
        Assert.Equal(0, s.Pending);
        Assert.False(s.Observe(a.SampleId, 0.5));
        Assert.Equal(0, s.RewardsApplied);
        Assert.Throws<ArgumentException>(() => s.Observe(s.Propose().SampleId, double.NaN));
    }

    [Fact]
    public void Observe_FullBatch_UpdatesPolicyOnceAndNewProposalsCarryNewVersion()
    {
        using var s = new PpoSearch(Small(batch: 4), Space, 2);
        var w0 = Weights(s);
        var ps = Enumerable.Range(0, 4).Select(_ => s.Propose()).ToArray();
        Assert.All(ps, p => Assert.Equal(0, p.PolicyVersion));
        for (var i = 0; i < 3; i++)
        {
            s.Observe(ps[i].SampleId, 0.1 * i);
        }

        Assert.Equal(0, s.PolicyVersion);
        Assert.Equal(w0, Weights(s));
        Assert.Equal(3, s.Buffered);

        s.Observe(ps[3].SampleId, 0.9);
        Assert.Equal(1, s.PolicyVersion);
        Assert.Equal(0, s.Buffered);
        Assert.NotEqual(w0, Weights(s));
        Assert.Equal(4, s.LastUpdate!.Samples);
        Assert.Equal(0, s.LastUpdate.MeanAge);
        Assert.Equal(1, s.Propose().PolicyVersion);
    }

    [Fact]
    public void Observe_TooStaleSample_OnlyMovesBaseline()
    {
        using var s = new PpoSearch(Small(batch: 2, maxStaleness: 1), Space, 3);
        var old = s.Propose(); // version 0
        for (var u = 0; u < 2; u++)
        {
            var a = s.Propose();
            var b = s.Propose();
            s.Observe(a.SampleId, 0.4);
            s.Observe(b.SampleId, 0.6);
        }

        Assert.Equal(2, s.PolicyVersion);
        var baseline = s.Baseline!.Value;
        var weights = Weights(s);

        Assert.True(s.Observe(old.SampleId, 0.9)); // age 2 > 1: dropped from the loss
        Assert.Equal(1, s.StaleDropped);
        Assert.Equal(0, s.Buffered);
        Assert.Equal(0.95 * baseline + 0.05 * 0.9, s.Baseline!.Value, 12);
        Assert.Equal(weights, Weights(s));
        Assert.False(s.Observe(old.SampleId, 0.9)); // and still applied once only
    }

    [Fact]
    public void Observe_StaleWithinLimit_EntersNextUpdateWithItsOwnLogProb()
    {
        using var s = new PpoSearch(Small(batch: 2, maxStaleness: 3), Space, 4);
        var old = s.Propose();
        var a = s.Propose();
        var b = s.Propose();
        s.Observe(a.SampleId, 0.4);
        s.Observe(b.SampleId, 0.6);
        Assert.Equal(1, s.PolicyVersion);

        s.Observe(old.SampleId, 0.8); // age 1: kept
        Assert.Equal(1, s.Buffered);
        var c = s.Propose();
        s.Observe(c.SampleId, 0.2);
        Assert.Equal(2, s.PolicyVersion);
        Assert.Equal(0.5, s.LastUpdate!.MeanAge); // one fresh, one a version old
        Assert.Equal(0, s.StaleDropped);
    }

    [Fact]
    public void Propose_ManyUpdates_KeepsLiveTensorCountFlat()
    {
        using var s = new PpoSearch(Small(batch: 5), Space, 5);
        void Round()
        {
            var ps = Enumerable.Range(0, 5).Select(_ => s.Propose()).ToArray();
            foreach (var p in ps)
            {
                s.Observe(p.SampleId, p.SampleId % 3 / 3.0);
            }
        }

        Round();
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 10; i++)
        {
            Round();
        }

        Assert.Equal(11, s.PolicyVersion);
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
