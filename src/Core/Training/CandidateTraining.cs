using System.Text.Json.Serialization;
using NasNet.Core.Datasets;
using NasNet.Core.SearchSpace;

namespace NasNet.Core.Training;

/// <summary>
/// What a campaign asks of one child: dataset, network size and training settings. Shared by the torch trainer and
/// the simulated trainer; carried by the cluster in leases (inside the campaign config's JSON). The defaults here are
/// the only defaults: a campaign config's <c>child</c> section binds to this record.
/// </summary>
public sealed record ChildTrainingSpec
{
    /// <summary>Network skeletons a spec may name.</summary>
    public static readonly IReadOnlyList<string> Networks = ["cifar", "mobile", "large"];

    /// <summary>Optimizers a spec may name.</summary>
    public static readonly IReadOnlyList<string> Optimizers = ["sgd", "adamw"];

    /// <summary>Devices a spec may name.</summary>
    public static readonly IReadOnlyList<string> Devices = ["auto", "cpu", "cuda"];

    /// <summary>Policies for image files that cannot be decoded.</summary>
    public static readonly IReadOnlyList<string> UnreadablePolicies = ["skip", "reject"];

    /// <summary>Dataset: fashion-mnist | cifar10 | folder:PATH | synthetic (a config's <c>dataset.kind</c>).</summary>
    public DatasetRef Dataset { get; init; } = DatasetRef.FashionMnist;

    /// <summary>Dataset directory (IDX/CIFAR files or cache; a config's <c>dataset.dir</c>); null = the dataset's default location.</summary>
    public string? DataDir { get; init; }

    /// <summary>Macro skeleton: a TF configuration name (cifar | mobile | large); cells, filters, image size, channels and classes are overridden.</summary>
    public string Network { get; init; } = "cifar";

    /// <summary>N, normal cells per stage (paper search: 2).</summary>
    public int Cells { get; init; } = 2;

    /// <summary>F of the paper's "N @ F" notation: filters of the penultimate layer.</summary>
    public int Filters { get; init; } = 48;

    /// <summary>Epochs of child training (paper search: 20).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>
    /// Images per SGD step. 16 by measurement (bench/RESULTS.md, "Child training"): at search budgets the number of
    /// steps matters most; NASNet-A N=1 F=96 on 5,000 Fashion-MNIST images x 1 epoch scores 0.787 test at batch 16
    /// (lr 0.1), 0.757 at 32 and 0.57 at 64 on 2,000 images; batch 8 is no better (0.764) and costs the same CPU.
    /// </summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Training images used (after the validation split); null = all.</summary>
    public int? TrainSubset { get; init; }

    /// <summary>Held-out validation images (the reward); null = the dataset's default (10%).</summary>
    public int? ValidationSize { get; init; }

    /// <summary>Images per side; null = the dataset's native size.</summary>
    public int? ImageSize { get; init; }

    /// <summary>Initial learning rate, cosine to 0 (0.1 chosen for SGD with batch 16 by the sweep in bench/RESULTS.md).</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>sgd (with <see cref="Momentum"/>, <see cref="Nesterov"/>) | adamw (decoupled <see cref="WeightDecay"/>).</summary>
    public string Optimizer { get; init; } = "sgd";

    /// <summary>Steps of linear learning-rate warm-up before the cosine (0 = off).</summary>
    public int WarmupSteps { get; init; }

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

    /// <summary>
    /// Crop, flip and cutout of the training images; null = the dataset's default (<see cref="Augmentation.DefaultFor"/>:
    /// crop 4 + flip on CIFAR-10, none on Fashion-MNIST, synthetic and image folders). A campaign config fills it in.
    /// </summary>
    public Augmentation? Augment { get; init; }

    /// <summary>Image folders: skip | reject files that cannot be decoded.</summary>
    public string UnreadableImages { get; init; } = "skip";

    /// <summary>Measure inference latency (batch 1) and throughput after training.</summary>
    public bool MeasureInference { get; init; } = true;

    /// <summary>Return the trained weights in the result.</summary>
    public bool KeepWeights { get; init; } = true;

    /// <summary>The augmentation in effect: <see cref="Augment"/>, else the dataset's default.</summary>
    [JsonIgnore]
    public Augmentation EffectiveAugmentation => Augment ?? Augmentation.DefaultFor(Dataset.Kind);

    /// <summary>Checks every field; a one-line <see cref="UserErrorException"/> names the first bad one as <paramref name="path"/>.field.</summary>
    public ChildTrainingSpec Validate(string path = "child")
    {
        ConfigCheck.Present($"{path}.dataset", Dataset, "a dataset name");
        ConfigCheck.OneOf($"{path}.network", Network, Networks);
        ConfigCheck.Range($"{path}.cells", Cells, 1, 64);
        ConfigCheck.Range($"{path}.filters", Filters, 1, 4096);
        ConfigCheck.Range($"{path}.epochs", Epochs, 1, 10_000);
        ConfigCheck.Range($"{path}.batchSize", BatchSize, 1, 65_536);
        if (TrainSubset is { } subset)
        {
            ConfigCheck.Range($"{path}.trainSubset", subset, 1, int.MaxValue);
        }

        if (ValidationSize is { } validation)
        {
            ConfigCheck.Range($"{path}.validationSize", validation, 1, int.MaxValue);
        }

        if (ImageSize is { } size)
        {
            ConfigCheck.Range($"{path}.imageSize", size, 4, 1024);
        }

        ConfigCheck.That($"{path}.learningRate", LearningRate, LearningRate > 0 && LearningRate <= 100, "(0, 100]");
        ConfigCheck.OneOf($"{path}.optimizer", Optimizer, Optimizers);
        ConfigCheck.Range($"{path}.warmupSteps", WarmupSteps, 0, int.MaxValue);
        ConfigCheck.Range($"{path}.momentum", Momentum, 0, 1);
        ConfigCheck.Range($"{path}.weightDecay", WeightDecay, 0, 1);
        ConfigCheck.That($"{path}.dropPathKeepProb", DropPathKeepProb, DropPathKeepProb is > 0 and <= 1, "(0, 1]");
        ConfigCheck.Range($"{path}.threads", Threads, 0, 1024);
        ConfigCheck.OneOf($"{path}.device", Device, Devices);
        ConfigCheck.Range($"{path}.gradientClipNorm", GradientClipNorm, 0, 1e6);
        ConfigCheck.Range($"{path}.auxWeight", AuxWeight, 0, 100);
        ConfigCheck.That($"{path}.labelSmoothing", LabelSmoothing, LabelSmoothing is >= 0 and < 1, "[0, 1)");
        Augment?.Validate($"{path}.augment");
        ConfigCheck.OneOf($"{path}.unreadableImages", UnreadableImages, UnreadablePolicies);
        return this;
    }
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
