using NasNet.Core;
using NasNet.Core.SearchSpace;
using NasNet.Core.Training;

namespace NasNet.Cluster.Tests.Domain;

public sealed class SimulatedTrainerTests
{
    private static CandidateJob Job(Genotype g, int epochs = 3, int seed = 7) =>
        new("c/1", g, new ChildTrainingSpec { Epochs = epochs }, seed);

    [Fact]
    public void Train_SameJob_SameReward()
    {
        var g = CellSearchSpace.Default.Decode(CellSearchSpace.Default.RandomDecisions(new Rng(3)));
        var a = new SimulatedTrainer(0).Train(Job(g), null, (_, _) => { }, null, CancellationToken.None);
        var b = new SimulatedTrainer(0).Train(Job(g), null, (_, _) => { }, null, CancellationToken.None);
        Assert.Equal(a.ValidationAccuracy, b.ValidationAccuracy);
        Assert.InRange(a.ValidationAccuracy, 0, 1);
    }

    [Fact]
    public void Train_CheckpointsEveryEpoch_AndResumesFromIt()
    {
        var g = Genotypes.NasNetA;
        var epochs = new List<int>();
        byte[]? last = null;
        new SimulatedTrainer(0).Train(Job(g, epochs: 4), null, (e, bytes) =>
        {
            epochs.Add(e);
            last = bytes;
            Assert.Equal(e, SimulatedTrainer.EpochOf(bytes));
        }, null, CancellationToken.None);
        Assert.Equal([1, 2, 3, 4], epochs);

        var resumed = new List<int>();
        var r = new SimulatedTrainer(0).Train(Job(g, epochs: 4), SimulatedTrainer.CheckpointBytes(2), (e, _) => resumed.Add(e), null, CancellationToken.None);
        Assert.Equal([3, 4], resumed);
        Assert.Equal("resumed from epoch 2", r.Reason);
        Assert.NotNull(last);
    }

    [Fact]
    public void Quality_SeparableConvolutionsBeatPooling()
    {
        var space = CellSearchSpace.Default;
        var d = space.RandomDecisions(new Rng(5));
        var sep = (int[])d.Clone();
        var pool = (int[])d.Clone();
        for (var p = 0; p < d.Length; p++)
        {
            if (space.KindOf(p) is DecisionKind.OpA or DecisionKind.OpB)
            {
                sep[p] = space.Ops.ToList().IndexOf(Operations.SepConv3x3);
                pool[p] = space.Ops.ToList().IndexOf(Operations.MaxPool7x7);
            }
        }

        Assert.True(SimulatedTrainer.Quality(space.Decode(sep)) > SimulatedTrainer.Quality(space.Decode(pool)) + 0.2);
    }

    [Fact]
    public void Train_Cancelled_Throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new SimulatedTrainer(10).Train(Job(Genotypes.NasNetA), null, (_, _) => { }, null, cts.Token));
    }
}
