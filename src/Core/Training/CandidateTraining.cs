using NasNet.Core.SearchSpace;

namespace NasNet.Core.Training;

/// <summary>
/// What a campaign asks of one child: dataset, network size and training settings. Shared by the torch trainer and
/// the simulated trainer; carried by the cluster in leases (mapped to DTOs there).
/// </summary>
public sealed record ChildTrainingSpec
{
    /// <summary>Dataset: fashion-mnist | cifar10 | folder:PATH | synthetic.</summary>
    public string Dataset { get; init; } = "synthetic";

    /// <summary>Dataset directory (IDX/CIFAR files or cache); null = the dataset's default location.</summary>
    public string? DataDir { get; init; }

    /// <summary>Macro skeleton: a TF configuration name (cifar | mobile | large); cells, filters, image size, channels and classes are overridden.</summary>
    public string Network { get; init; } = "cifar";

    /// <summary>N, normal cells per stage (paper search: 2).</summary>
    public int Cells { get; init; } = 2;

    /// <summary>F of the paper's "N @ F" notation: filters of the penultimate layer.</summary>
    public int Filters { get; init; } = 48;

    /// <summary>Epochs of child training (paper search: 20).</summary>
    public int Epochs { get; init; } = 1;

    public int BatchSize { get; init; } = 64;

    /// <summary>Training images used (after the validation split); null = all.</summary>
    public int? TrainSubset { get; init; }

    /// <summary>Held-out validation images (the reward); null = the dataset's default (10%).</summary>
    public int? ValidationSize { get; init; }

    /// <summary>Images per side; null = the dataset's native size.</summary>
    public int? ImageSize { get; init; }

    public double LearningRate { get; init; } = 0.05;

    public double Momentum { get; init; } = 0.9;

    public double WeightDecay { get; init; } = 3e-4;

    /// <summary>ScheduledDropPath final keep probability (1 = off).</summary>
    public double DropPathKeepProb { get; init; } = 1.0;

    /// <summary>Also evaluate on the test set (final reports only; costs time).</summary>
    public bool EvaluateTest { get; init; }

    /// <summary>Torch threads for this training (1 per slot on CPU silos); process-wide in TorchSharp; 0 = leave unchanged.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Device: auto | cpu | cuda.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>SGD with Nesterov momentum (as in the verified Fashion-MNIST run, notes §7).</summary>
    public bool Nesterov { get; init; } = true;

    /// <summary>Clip the global gradient norm at this value (TF CIFAR config: 5); 0 = off.</summary>
    public double GradientClipNorm { get; init; } = 5.0;

    /// <summary>Attach the auxiliary head and add its loss (weight <see cref="AuxWeight"/>).</summary>
    public bool AuxHead { get; init; }

    /// <summary>Weight of the auxiliary loss (TF: 0.4).</summary>
    public double AuxWeight { get; init; } = 0.4;

    /// <summary>Label smoothing of the cross-entropy (0 = off; paper ImageNet: 0.1).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Use the dataset's augmentation (random crop + flip on CIFAR and image folders).</summary>
    public bool Augment { get; init; } = true;

    /// <summary>Cutout patch size in pixels (0 = off).</summary>
    public int Cutout { get; init; }

    /// <summary>Image folders: skip | reject files that cannot be decoded.</summary>
    public string UnreadableImages { get; init; } = "skip";

    /// <summary>Measure inference latency (batch 1) and throughput after training.</summary>
    public bool MeasureInference { get; init; } = true;

    /// <summary>Return the trained weights in the result.</summary>
    public bool KeepWeights { get; init; } = true;
}

/// <summary>
/// One unit of work: an architecture (of any search space) trained under a spec with a seed. The torch trainer reads
/// <see cref="Genotype"/> (NASNet only), or builds the hand-designed network that <see cref="Reference"/> names (final
/// evaluations); the simulated and tabular trainers read <see cref="Architecture"/>.
/// </summary>
public sealed record CandidateJob(string CandidateId, IArchitecture Architecture, ChildTrainingSpec Spec, int Seed)
{
    /// <summary>The architecture as a NASNet genotype; another space's architecture is a one-line user error.</summary>
    public Genotype Genotype
    {
        get => Architecture as Genotype ?? throw new UserErrorException(
            $"candidate {CandidateId} is a {Architecture.SpaceName} architecture; this trainer trains NASNet genotypes only: use the tabular or simulated trainer for {Architecture.SpaceName}");
        init => Architecture = value;
    }

    /// <summary>A reference network's name (<c>NasNet.Core.Networks.ReferenceNetworks</c>), or null for the architecture.</summary>
    public string? Reference { get; init; }

    public override string ToString() => $"CandidateJob {{ CandidateId = {CandidateId}, Architecture = {Architecture.Text}, Seed = {Seed} }}";
}

/// <summary>How a training ended.</summary>
public enum TrainingOutcome
{
    /// <summary>Trained all epochs.</summary>
    Completed,

    /// <summary>NaN or exploding loss: a result with reward 0, not a retry.</summary>
    Diverged,
}

/// <summary>Per-epoch progress of one training.</summary>
public sealed record EpochProgress(int Epoch, int Epochs, int Step, int Steps, double Loss, double ImagesPerSecond);

/// <summary>
/// The result of training one candidate. Accuracies are fractions in [0, 1]. Latency and throughput are measured on
/// the trainer's device (batch 1 and a larger batch), because multi-branch cells can be slower than their mult-adds say.
/// </summary>
public sealed record CandidateResult
{
    public TrainingOutcome Outcome { get; init; }

    public double ValidationAccuracy { get; init; }

    public double? TestAccuracy { get; init; }

    public long Params { get; init; }

    public long MultAdds { get; init; }

    public double LatencyMs { get; init; }

    public double ThroughputImagesPerSecond { get; init; }

    public int Epochs { get; init; }

    public double Seconds { get; init; }

    public double ImagesPerSecond { get; init; }

    /// <summary>Why it diverged, or other notes.</summary>
    public string? Reason { get; init; }

    /// <summary>Training steps re-run with oneDNN off because their loss or gradient was not finite with it on (see CpuKernels).</summary>
    public int OneDnnFallbackSteps { get; init; }

    /// <summary>Trained weights (TorchSharp state_dict bytes), or null when not kept.</summary>
    public byte[]? Weights { get; init; }

    /// <summary>
    /// Further reported metrics by name (e.g. the tabular trainer's other test accuracies, as fractions); null when
    /// the trainer reports none.
    /// </summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }
}

/// <summary>
/// Trains one candidate, resumable: <c>checkpoint</c> is the bytes of an earlier <c>onEpoch</c> call (or
/// null to start), and <c>onEpoch(epoch, bytes)</c> is called after each completed epoch with the complete training
/// state, so the work can continue elsewhere with the same result as not stopping. Synchronous and CPU/GPU-bound:
/// callers run it off any scheduler thread. Cancellation throws <see cref="OperationCanceledException"/>.
/// </summary>
public interface ICandidateTrainer
{
    CandidateResult Train(CandidateJob job, byte[]? checkpoint, Action<int, byte[]> onEpoch, IProgress<EpochProgress>? progress, CancellationToken ct);
}
