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
    public void Train_CheckpointOfAnotherGenotype_IsRefusedWithUserError()
    {
        var trainer = new TorchCandidateTrainer();
        byte[]? ck = null;
        trainer.Train(Job(1), null, (_, b) => ck = b, null, CancellationToken.None);
        var other = Job(1) with { Genotype = CellSearchSpace.Default.Decode(CellSearchSpace.Default.RandomDecisions(new Rng(3))) };

        Assert.Throws<UserErrorException>(() => trainer.Train(other, ck, (_, _) => { }, null, CancellationToken.None));
    }
}
