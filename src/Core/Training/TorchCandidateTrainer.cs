using NasNet.Core.Datasets;
using NasNet.Core.Networks;
using NasNet.Core.Runtime;
using NasNet.Core.SearchSpace;
using TorchSharp;

namespace NasNet.Core.Training;

/// <summary>
/// Trains real child networks (<see cref="ChildNetwork"/>) with TorchSharp: loads the job's dataset once per process
/// (<see cref="DatasetCatalog"/>), holds out the fixed validation split, trains with <see cref="ChildTrainer"/>
/// (resuming from a checkpoint, calling <c>onEpoch</c> with the complete state after each epoch), then measures
/// inference latency and throughput on the device and returns the weights.
/// </summary>
/// <remarks>
/// Thread use: <see cref="ChildTrainingSpec.Threads"/> sets TorchSharp's process-wide thread count when it differs
/// (several slots in one process should all ask for the same count, e.g. 1 per slot on CPU). Reproducibility: see
/// <see cref="ChildTrainer"/> (exact alone in a process; data order and augmentation exact under concurrency).
/// </remarks>
public sealed class TorchCandidateTrainer : ICandidateTrainer
{
    /// <summary>
    /// Tunes glibc malloc for the process (notes §8: about 2x faster CPU training), turns off NNPACK and decides once
    /// per process whether oneDNN stays on (<see cref="CpuKernels.ConfigureOneDnn"/>: its start-up self-test;
    /// <c>NASNET_ONEDNN=0</c> turns it off).
    /// </summary>
    public TorchCandidateTrainer()
    {
        OpenMp.PreferPassiveWait(); // effective only if no tensor was made yet: hosts should call it at start-up
        TorchRuntime.TuneMalloc();
        CpuKernels.DisableNnpack();
        OneDnn = CpuKernels.ConfigureOneDnn();
    }

    /// <summary>The process's oneDNN decision (for the host's log).</summary>
    public OneDnnStatus OneDnn { get; }

    /// <summary>
    /// The network configuration a spec and dataset give for a genotype (input channels and classes follow the
    /// dataset). Sampled genotypes have various cell widths, so F is rounded to the nearest width unless
    /// <paramref name="exactFilters"/> asks for an error instead (the console does, for a single architecture).
    /// </summary>
    public static NetworkConfig NetworkFor(Genotype genotype, ChildTrainingSpec spec, LoadedDataset data, bool exactFilters = false) =>
        NetworkFor(genotype, spec, data.ImageSize, data.Channels, data.Classes, exactFilters);

    /// <summary>The network configuration for images of a given shape (see the overload taking the dataset).</summary>
    public static NetworkConfig NetworkFor(Genotype genotype, ChildTrainingSpec spec, int imageSize, int channels, int classes, bool exactFilters = false)
    {
        var config = (NetworkConfig.Named(spec.Network) with
        {
            Cells = spec.Cells,
            ImageSize = imageSize,
            InChannels = channels,
            Classes = classes,
            DropPathKeepProb = spec.DropPathKeepProb,
            AuxHead = spec.AuxHead,
        }).WithPenultimateFilters(spec.Filters, genotype, exactFilters);
        config.Validate();
        return config;
    }

    /// <summary>The dataset request of a spec.</summary>
    public static DatasetSpec DatasetOf(ChildTrainingSpec spec) => new(
        spec.Dataset,
        spec.DataDir,
        spec.ImageSize,
        spec.UnreadableImages.Trim().ToLowerInvariant() switch
        {
            "skip" => UnreadableImagePolicy.Skip,
            "reject" => UnreadableImagePolicy.Reject,
            _ => throw new UserErrorException($"unreadable-images '{spec.UnreadableImages}' is not known: use skip or reject"),
        });

    /// <inheritdoc />
    public CandidateResult Train(CandidateJob job, byte[]? checkpoint, Action<int, byte[]> onEpoch, IProgress<EpochProgress>? progress, CancellationToken ct) =>
        TrainTimed(job, checkpoint, onEpoch, progress, ct).Result;

    /// <summary><see cref="Train"/>, and where its wall time went (bench/Training prints the split).</summary>
    public (CandidateResult Result, TrainingPhases Phases) TrainTimed(CandidateJob job, byte[]? checkpoint, Action<int, byte[]> onEpoch, IProgress<EpochProgress>? progress, CancellationToken ct)
    {
        var spec = job.Spec;
        if (spec.Threads > 0 && torch.get_num_threads() != spec.Threads)
        {
            torch.set_num_threads(spec.Threads);
        }

        var countClock = System.Diagnostics.Stopwatch.StartNew();
        var device = TorchRuntime.ChooseDevice(spec.Device);
        var data = DatasetCatalog.Load(DatasetOf(spec));
        var splits = DatasetSplits.Create(data, spec.ValidationSize, spec.TrainSubset);
        var config = NetworkFor(job.Genotype, spec, data);
        ArchitectureCounts counts;
        lock (ChildTrainer.GlobalRngLock)
        {
            // Builds a network: keep it off others' seeded builds.
            if (job.Reference is { } name)
            {
                using var reference = ReferenceNetworks.Build(name, data.Channels, data.Classes);
                counts = new ArchitectureCounts(reference.ParameterCount(), reference.MultAdds(data.ImageSize));
            }
            else
            {
                counts = ArchitectureStats.Count(job.Genotype, config);
            }
        }

        var countSeconds = countClock.Elapsed.TotalSeconds;
        var trainer = new ChildTrainer(spec, splits, device, job.Seed, Fingerprint(job));
        // Throughput: the validation pass (eval mode, no gradients, at the throughput batch) is the same measurement
        // when it covers enough batches; a separate one cost 3-6 batches of forward passes per candidate.
        var throughputFromValidation = splits.ValidationIndices.Length >= 4 * InferenceBenchmark.ThroughputBatch(device);
        double latency = 0, throughput = 0, measureSeconds = 0, weightsSeconds = 0;
        byte[]? weights = null;
        TrainingRun run;
        try
        {
            run = trainer.Run(
                () =>
                {
                    if (job.Reference is { } name)
                    {
                        return new TrainableModel(ReferenceNetworks.Build(name, data.Channels, data.Classes));
                    }

                    var net = new ChildNetwork(job.Genotype, config);
                    return new TrainableModel(net, net.SetDropPathProgress, () => net.AuxLogits);
                },
                checkpoint,
                onEpoch,
                progress,
                ct,
                model =>
                {
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    if (spec.MeasureInference && throughputFromValidation)
                    {
                        latency = InferenceBenchmark.MeasureLatency(model.Module, data.Channels, data.ImageSize, device, ct);
                    }
                    else if (spec.MeasureInference)
                    {
                        (latency, throughput) = InferenceBenchmark.Measure(model.Module, data.Channels, data.ImageSize, device, ct);
                    }

                    measureSeconds = clock.Elapsed.TotalSeconds;
                    clock.Restart();
                    if (spec.KeepWeights)
                    {
                        var ms = new MemoryStream();
                        model.Module.save(ms);
                        weights = ms.ToArray();
                    }

                    weightsSeconds = clock.Elapsed.TotalSeconds;
                });
        }
        finally
        {
            TorchRuntime.ReleaseFreeMemory(); // the freed activations of this training, back to the system
        }

        if (spec.MeasureInference && throughputFromValidation && run.Outcome == TrainingOutcome.Completed)
        {
            throughput = run.ValidationImagesPerSecond;
        }

        var phases = run.Phases with { Build = run.Phases.Build + countSeconds, Measure = measureSeconds, Weights = weightsSeconds };
        var result = new CandidateResult
        {
            Outcome = run.Outcome,
            ValidationAccuracy = run.ValidationAccuracy,
            TestAccuracy = run.TestAccuracy,
            Params = counts.Params,
            MultAdds = counts.MultAdds,
            LatencyMs = latency,
            ThroughputImagesPerSecond = throughput,
            Epochs = run.Epochs,
            Seconds = run.Seconds,
            ImagesPerSecond = run.ImagesPerSecond,
            Reason = run.Reason,
            Weights = weights,
            OneDnnFallbackSteps = run.OneDnnFallbackSteps,
        };
        return (result, phases);
    }

    /// <summary>What a checkpoint must match to be resumed: genotype, seed and the settings that shape training.</summary>
    public static string Fingerprint(CandidateJob job)
    {
        // Epochs are not part of it: an ASHA promotion continues a candidate's checkpoint to more epochs.
        var relevant = job.Spec with { Epochs = 0, DataDir = null, Threads = 0, Device = "", EvaluateTest = false, MeasureInference = false, KeepWeights = false };
        return $"{job.Reference ?? GenotypeJson.SerializeCompact(job.Genotype)}|{job.Seed}|{relevant}";
    }
}
