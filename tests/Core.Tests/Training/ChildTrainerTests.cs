using NasNet.Core.Datasets;
using NasNet.Core.Training;
using TorchSharp;

namespace NasNet.Core.Tests.Training;

[Collection(TorchTrainingCollection.Name)]
public class ChildTrainerTests
{
    private static readonly LoadedDataset Data = SyntheticDataset.Create(train: 96, test: 32, classes: 4, imageSize: 8);

    private static ChildTrainingSpec Spec(int epochs = 3, double lr = 0.1) => new()
    {
        Epochs = epochs,
        BatchSize = 16,
        LearningRate = lr,
        WeightDecay = 1e-4,
        EvaluateTest = true,
    };

    private static ChildTrainer Trainer(ChildTrainingSpec spec, int seed = 1, string fingerprint = "tiny") =>
        new(spec, DatasetSplits.Create(Data, validationSize: 16), torch.CPU, seed, fingerprint);

    private static TrainableModel Build() => new(new TinyNet(3, 4));

    private static byte[] Weights(TrainableModel m)
    {
        var ms = new MemoryStream();
        m.Module.save(ms);
        return ms.ToArray();
    }

    [Theory]
    [InlineData("sgd", 0.1)]
    [InlineData("adamw", 0.01)]
    public void Train_TinyNetOnSynthetic_LossDropsAndBeatsChance(string optimizer, double lr)
    {
        var losses = new List<EpochProgress>();
        var progress = new SyncProgress<EpochProgress>(losses.Add);

        var run = Trainer(Spec(epochs: 4, lr) with { Optimizer = optimizer }).Run(Build, null, null, progress, CancellationToken.None);

        Assert.Equal(TrainingOutcome.Completed, run.Outcome);
        var first = losses.First(p => p.Epoch == 1 && p.Step == p.Steps).Loss;
        var last = losses.Last().Loss;
        Assert.True(last < 0.7 * first, $"mean loss went {first} -> {last}");
        Assert.True(run.ValidationAccuracy > 0.5, $"validation accuracy {run.ValidationAccuracy} (chance 0.25)");
        Assert.NotNull(run.TestAccuracy);
        Assert.True(run.ImagesPerSecond > 0);
        Assert.Equal(4 * 5, losses.Count); // 80 images / batch 16 = 5 steps per epoch
    }

    [Theory]
    [InlineData("sgd", 0)]
    [InlineData("adamw", 3)] // Adam's moments and step counts are in the checkpoint; warm-up spans the first epoch
    public void Train_ResumedFromEpochCheckpoint_EqualsUninterrupted(string optimizer, int warmupSteps)
    {
        var threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            var spec = Spec(epochs: 3, lr: optimizer == "adamw" ? 0.01 : 0.1) with
            {
                DropPathKeepProb = 1,
                Augment = new Augmentation(Cutout: 2),
                Optimizer = optimizer,
                WarmupSteps = warmupSteps,
            };
            var checkpoints = new Dictionary<int, byte[]>();
            byte[]? straight = null;
            var full = Trainer(spec).Run(Build, null, (e, b) => checkpoints[e] = b, null, CancellationToken.None, m => straight = Weights(m));

            byte[]? resumedWeights = null;
            var resumed = Trainer(spec).Run(Build, checkpoints[1], null, null, CancellationToken.None, m => resumedWeights = Weights(m));

            Assert.Equal([1, 2, 3], checkpoints.Keys.Order());
            Assert.Equal(full.ValidationAccuracy, resumed.ValidationAccuracy);
            Assert.Equal(full.FinalLoss, resumed.FinalLoss);
            Assert.Equal(straight, resumedWeights);
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    [Fact]
    public void Train_TwoConcurrentTrainingsWithoutDropout_EqualSequentialOnes()
    {
        // Without dropout/drop-path nothing draws from the global generator after the (locked) seeded build, and the
        // data order comes from each training's own Rng: concurrency does not change the results.
        static TrainableModel NoDropout() => new(new TinyNet(3, 4, dropout: 0));
        byte[] RunOne(int seed)
        {
            byte[]? w = null;
            Trainer(Spec(epochs: 2), seed).Run(NoDropout, null, null, null, CancellationToken.None, m => w = Weights(m));
            return w!;
        }

        var alone = new[] { RunOne(1), RunOne(2) };
        var together = new byte[2][];
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => together[i] = RunOne(i + 1));

        Assert.Equal(alone[0], together[0]);
        Assert.Equal(alone[1], together[1]);
        Assert.NotEqual(alone[0], alone[1]);
    }

    [Fact]
    public void Train_CheckpointOfAnotherNetwork_IsRefused()
    {
        byte[]? ck = null;
        Trainer(Spec(epochs: 1), fingerprint: "a").Run(Build, null, (_, b) => ck = b, null, CancellationToken.None);

        var e = Assert.Throws<UserErrorException>(() => Trainer(Spec(epochs: 1), fingerprint: "b").Run(Build, ck, null, null, CancellationToken.None));

        Assert.Contains("another network", e.Message);
        Assert.Throws<UserErrorException>(() => Trainer(Spec(epochs: 1)).Run(Build, [1, 2, 3], null, null, CancellationToken.None));
    }

    [Fact]
    public void Train_HugeLearningRate_EndsAsDivergedNotCrash()
    {
        var spec = Spec(epochs: 2, lr: 1e9) with { GradientClipNorm = 0, Nesterov = false };

        var run = Trainer(spec).Run(Build, null, null, null, CancellationToken.None);

        Assert.Equal(TrainingOutcome.Diverged, run.Outcome);
        Assert.StartsWith("loss ", run.Reason);
    }

    [Fact]
    public void Train_Cancelled_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress<EpochProgress>(p =>
        {
            if (p.Step == 2)
            {
                cts.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() => Trainer(Spec()).Run(Build, null, null, progress, cts.Token));
    }

    [Fact]
    public void Train_ManySteps_LiveTensorCountStaysFlat()
    {
        var counts = new List<long>();
        var progress = new SyncProgress<EpochProgress>(_ => counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount));

        Trainer(Spec(epochs: 8) with { LabelSmoothing = 0.1 }).Run(Build, null, null, progress, CancellationToken.None);

        Assert.Equal(40, counts.Count);
        Assert.Equal(counts[4], counts[^1]);   // same point in a step, 35 steps later
        Assert.True(counts.Skip(4).Max() - counts.Skip(4).Min() == 0, string.Join(",", counts));
    }

    /// <summary>Reports synchronously on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
