using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using NasNet.Core.Training;
using TorchSharp;

namespace NasNet.Core.Tests.Training;

[Collection(TorchTrainingCollection.Name)]
public class TorchCandidateTrainerTests
{
    private static CandidateJob Job(int epochs, double keepProb = 0.7, bool aux = false) => new(
        "c1",
        Genotypes.NasNetA,
        new ChildTrainingSpec
        {
            Dataset = "synthetic",
            Cells = 1,
            Filters = 48,
            Epochs = epochs,
            BatchSize = 16,
            TrainSubset = 32,
            ValidationSize = 16,
            DropPathKeepProb = keepProb,
            AuxHead = aux,
            EvaluateTest = true,
            Threads = 0, // leave the process-wide count alone
            Device = "cpu",
        },
        Seed: 7);

    [Fact]
    public void Train_NasNetAOnSynthetic_ReportsCountsLatencyAndLoadableWeights()
    {
        var epochs = new List<int>();

        var result = new TorchCandidateTrainer().Train(Job(1), null, (e, _) => epochs.Add(e), null, CancellationToken.None);

        Assert.Equal(TrainingOutcome.Completed, result.Outcome);
        Assert.Equal([1], epochs);
        Assert.InRange(result.ValidationAccuracy, 0, 1);
        Assert.NotNull(result.TestAccuracy);
        var config = TorchCandidateTrainer.NetworkFor(Genotypes.NasNetA, Job(1).Spec, NasNet.Core.Datasets.DatasetCatalog.Load(new NasNet.Core.Datasets.DatasetSpec("synthetic")));
        Assert.Equal(ArchitectureStats.Count(Genotypes.NasNetA, config).Params, result.Params);
        Assert.True(result.MultAdds > 0);
        Assert.True(result.LatencyMs > 0);
        Assert.True(result.ThroughputImagesPerSecond > 0);
        using var net = new ChildNetwork(Genotypes.NasNetA, config);
        net.load(new MemoryStream(result.Weights!)); // strict: every key matches
    }

    [Fact]
    public void Train_ResumedFromCheckpointWithDropPathAndAux_EqualsUninterrupted()
    {
        var trainer = new TorchCandidateTrainer();
        var job = Job(2, keepProb: 0.6, aux: true);
        var checkpoints = new Dictionary<int, byte[]>();

        var full = trainer.Train(job, null, (e, b) => checkpoints[e] = b, null, CancellationToken.None);
        var resumed = trainer.Train(job, checkpoints[1], (_, _) => { }, null, CancellationToken.None);

        Assert.Equal(full.ValidationAccuracy, resumed.ValidationAccuracy);
        Assert.Equal(full.TestAccuracy, resumed.TestAccuracy);
        Assert.Equal(full.Weights, resumed.Weights);
    }

    [Fact]
    public void Train_NasNetAManySteps_LiveTensorCountStaysFlat()
    {
        var counts = new List<long>();
        var job = Job(6, keepProb: 0.7, aux: true);
        var progress = new InlineProgress(_ => counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount));

        new TorchCandidateTrainer().Train(job, null, (_, _) => { }, progress, CancellationToken.None);

        Assert.Equal(12, counts.Count); // 32 images / batch 16 = 2 steps x 6 epochs
        Assert.True(counts.Skip(2).Distinct().Count() == 1, string.Join(",", counts));
    }

    [Fact]
    public void Train_SampledGenotype_TrainsAndRefusesAnotherGenotypesCheckpoint()
    {
        var trainer = new TorchCandidateTrainer();
        var other = Job(1) with { Genotype = CellSearchSpace.Default.Decode(CellSearchSpace.Default.RandomDecisions(new Rng(3))) };
        byte[]? ck = null;

        var sampled = trainer.Train(other, null, (_, _) => { }, null, CancellationToken.None); // F rounded to its cell width
        trainer.Train(Job(1), null, (_, b) => ck = b, null, CancellationToken.None);
        var e = Assert.Throws<UserErrorException>(() => trainer.Train(other, ck, (_, _) => { }, null, CancellationToken.None));

        // A result either way, never a crash. (This genotype at F=48 on 8x8 sometimes ends with a NaN loss at step 2
        // and sometimes not, with the same seed: reported to the networks owner; not asserted here.)
        Assert.True(sampled.Outcome is TrainingOutcome.Completed or TrainingOutcome.Diverged);
        Assert.True(sampled.Params > 0);
        Assert.Contains("another network", e.Message);
    }

    private sealed class InlineProgress(Action<EpochProgress> report) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => report(value);
    }
}
