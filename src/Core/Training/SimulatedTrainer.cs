using NasNet.Core.SearchSpace;

namespace NasNet.Core.Training;

/// <summary>
/// A trainer double for dry runs and orchestration benchmarks: waits a fixed time per epoch (possibly 0), saves a
/// checkpoint at every epoch boundary (the bytes encode the epoch, so a resume is observable), and returns a
/// deterministic pseudo-reward: a fixed, smooth function of the genotype's decisions (some operations, inputs and
/// combiners are better than others; in NAS-Bench-201, some edge operations) plus seeded noise. A learning strategy
/// can therefore beat random search on it. Any search space's architectures; no tensors.
/// </summary>
public sealed class SimulatedTrainer(double secondsPerEpoch, double noise = 0.01) : ICandidateTrainer
{
    private static readonly byte[] Magic = "SIM1"u8.ToArray();

    /// <summary>Per-operation quality: separable convolutions best, pooling worst (the paper's observed ranking).</summary>
    private static readonly IReadOnlyDictionary<string, double> OpQuality = new Dictionary<string, double>
    {
        [Operations.SepConv3x3] = 1.0,
        [Operations.SepConv5x5] = 0.95,
        [Operations.SepConv7x7] = 0.85,
        [Operations.Identity] = 0.8,
        [Operations.DilConv3x3] = 0.7,
        [Operations.Conv3x3] = 0.6,
        [Operations.Conv1x7x7x1] = 0.55,
        [Operations.Conv1x3x3x1] = 0.5,
        [Operations.Conv1x1] = 0.45,
        [Operations.AvgPool3x3] = 0.35,
        [Operations.MaxPool3x3] = 0.3,
        [Operations.AvgPool5x5] = 0.25,
        [Operations.MaxPool5x5] = 0.2,
        [Operations.MaxPool7x7] = 0.1,
    };

    /// <summary>
    /// Per-operation cost in millions of mult-adds per image of the simulated child (roughly in proportion to the real
    /// ops': wide separable convolutions cost most, identity nothing), so cheaper cells trade accuracy for cost.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, double> OpCost = new Dictionary<string, double>
    {
        [Operations.SepConv3x3] = 1.2,
        [Operations.SepConv5x5] = 1.6,
        [Operations.SepConv7x7] = 2.2,
        [Operations.Identity] = 0,
        [Operations.DilConv3x3] = 0.8,
        [Operations.Conv3x3] = 2.0,
        [Operations.Conv1x7x7x1] = 1.7,
        [Operations.Conv1x3x3x1] = 0.9,
        [Operations.Conv1x1] = 0.4,
        [Operations.AvgPool3x3] = 0.1,
        [Operations.MaxPool3x3] = 0.1,
        [Operations.AvgPool5x5] = 0.15,
        [Operations.MaxPool5x5] = 0.15,
        [Operations.MaxPool7x7] = 0.2,
    };

    /// <summary>NAS-Bench-201 operation quality: 3x3 convolutions best, "none" worst (the benchmark's observed ranking).</summary>
    private static readonly IReadOnlyDictionary<string, double> Nb201OpQuality = new Dictionary<string, double>
    {
        ["nor_conv_3x3"] = 1.0,
        ["nor_conv_1x1"] = 0.8,
        ["skip_connect"] = 0.6,
        ["avg_pool_3x3"] = 0.4,
        ["none"] = 0.2,
    };

    /// <summary>Seconds of wall-clock time per epoch.</summary>
    public double SecondsPerEpoch { get; } = secondsPerEpoch;

    /// <summary>
    /// The noiseless score in [0, 1] of an architecture: NASNet, the mean quality of its ops, inputs and combiners;
    /// NAS-Bench-201, the mean quality of its edge operations.
    /// </summary>
    public static double Quality(IArchitecture a) => a switch
    {
        Genotype g => Quality(g),
        Nb201Cell c => c.EdgeOps.Average(o => Nb201OpQuality[o]),
        _ => throw new ArgumentException($"the simulated trainer has no quality model for the {a.SpaceName} space"),
    };

    /// <summary>The noiseless score in [0, 1] of a genotype: the mean quality of its ops, inputs and combiners.</summary>
    public static double Quality(Genotype g)
    {
        double sum = 0;
        var n = 0;
        foreach (var cell in new[] { g.Normal, g.Reduction })
        {
            for (var b = 0; b < cell.Blocks.Count; b++)
            {
                var block = cell.Blocks[b];
                sum += OpQuality.GetValueOrDefault(block.OpA, 0.3) + OpQuality.GetValueOrDefault(block.OpB, 0.3);
                // Inputs: the newest states (the previous block or the cell inputs h_i) are better than older blocks.
                sum += InputQuality(block.InputA, b) + InputQuality(block.InputB, b);
                sum += block.Combine == Combine.Add ? 0.8 : 0.6;
                n += 5;
            }
        }

        return n == 0 ? 0 : sum / n;
    }

    /// <summary>The reward a job gets: 0.5 + 0.45 x quality, plus noise seeded by the job's seed and the genotype.</summary>
    public double Reward(CandidateJob job)
    {
        var q = Quality(job.Architecture);
        var rng = new Rng(job.Seed ^ StableHash(job.Architecture.Hash));
        return Math.Clamp(0.5 + (0.45 * q) + (noise * rng.NextGaussian()), 0, 1);
    }

    public CandidateResult Train(CandidateJob job, byte[]? checkpoint, Action<int, byte[]> onEpoch, IProgress<EpochProgress>? progress, CancellationToken ct)
    {
        var start = checkpoint is null ? 0 : EpochOf(checkpoint);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var epoch = start; epoch < job.Spec.Epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            if (SecondsPerEpoch > 0)
            {
                ct.WaitHandle.WaitOne(TimeSpan.FromSeconds(SecondsPerEpoch));
                ct.ThrowIfCancellationRequested();
            }

            // A learning curve: the loss falls towards 1 - reward as the epochs pass.
            progress?.Report(new EpochProgress(epoch + 1, job.Spec.Epochs, 1, 1, 1 - Reward(job) + (0.8 * Math.Exp(-(epoch + 1) / 2.0)), 0));
            onEpoch(epoch + 1, CheckpointBytes(epoch + 1));
        }

        var ops = job.Architecture switch
        {
            Genotype g => g.AllOps().Count(),
            Nb201Cell c => Math.Max(1, c.EdgeOps.Count(o => o != "none")),
            _ => 1,
        };
        var cost = job.Architecture switch
        {
            Genotype g => g.AllOps().Sum(op => OpCost.GetValueOrDefault(op, 1.0)),
            Nb201Cell c => c.EdgeOps.Sum(o => o switch { "nor_conv_3x3" => 2.0, "nor_conv_1x1" => 0.4, "avg_pool_3x3" => 0.1, _ => 0.0 }),
            _ => 1.0,
        };
        return new CandidateResult
        {
            Outcome = TrainingOutcome.Completed,
            ValidationAccuracy = Reward(job),
            TestAccuracy = job.Spec.EvaluateTest ? Math.Clamp(Reward(job) - 0.01, 0, 1) : null,
            Params = (long)(10_000 * (1 + cost) * job.Spec.Filters / 8),
            MultAdds = (long)(1_000_000 * (1 + cost)),
            LatencyMs = (0.05 * ops) + (0.04 * cost),
            ThroughputImagesPerSecond = 10_000.0 / ops,
            Epochs = job.Spec.Epochs,
            Seconds = watch.Elapsed.TotalSeconds,
            Reason = start > 0 ? $"resumed from epoch {start}" : null,
        };
    }

    /// <summary>The checkpoint bytes after an epoch: "SIM1" and the epoch.</summary>
    public static byte[] CheckpointBytes(int epoch) => EpochCheckpoint.Write(Magic, epoch);

    /// <summary>The epoch a simulated checkpoint was taken after.</summary>
    public static int EpochOf(byte[] checkpoint) => EpochCheckpoint.Read(Magic, checkpoint, "simulated");

    /// <summary>Input quality of block b: the cell inputs and the block just before are best; older blocks less so.</summary>
    private static double InputQuality(int input, int block) => input switch
    {
        1 => 0.9,
        0 => 0.7,
        _ => input - 2 == block - 1 ? 0.8 : 0.5,
    };

    private static long StableHash(string s)
    {
        var h = 1469598103934665603L;
        foreach (var c in s)
        {
            h = (h ^ c) * 1099511628211L;
        }

        return h;
    }
}
