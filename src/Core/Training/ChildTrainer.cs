using System.Diagnostics;
using NasNet.Core.Datasets;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NasNet.Core.Training;

/// <summary>
/// A network as the trainer sees it: the module (forward gives logits) plus the two NASNet hooks, so the loop works
/// for <c>ChildNetwork</c> and for tiny test modules alike.
/// </summary>
/// <param name="Module">Forward gives logits (batch x classes).</param>
/// <param name="SetDropPathProgress">ScheduledDropPath: called with t = step/total before each training step.</param>
/// <param name="AuxLogits">The auxiliary head's logits after a training forward, or null.</param>
public sealed record TrainableModel(Module<Tensor, Tensor> Module, Action<double>? SetDropPathProgress = null, Func<Tensor?>? AuxLogits = null);

/// <summary>Where the wall time of one candidate went, in seconds (the part on the training thread).</summary>
/// <param name="Build">Seeding and building the network (and, in <see cref="TorchCandidateTrainer"/>, counting it).</param>
/// <param name="Train">Training steps (batches, forward, backward, optimizer), re-runs included.</param>
/// <param name="Validate">Validation (and test) accuracy.</param>
/// <param name="Measure">Inference latency and throughput measurement.</param>
/// <param name="Checkpoint">Serialising the per-epoch state and the <c>onEpoch</c> callback (the store write).</param>
/// <param name="Weights">Serialising the trained weights for the result.</param>
public sealed record TrainingPhases(double Build = 0, double Train = 0, double Validate = 0, double Measure = 0, double Checkpoint = 0, double Weights = 0)
{
    /// <summary>The sum of the phases.</summary>
    public double Total => Build + Train + Validate + Measure + Checkpoint + Weights;
}

/// <summary>How one training run ended (the network-independent part of <see cref="CandidateResult"/>).</summary>
public sealed record TrainingRun
{
    public TrainingOutcome Outcome { get; init; }

    public double ValidationAccuracy { get; init; }

    public double? TestAccuracy { get; init; }

    public int Epochs { get; init; }

    /// <summary>Wall time of training and evaluation, summed over resumed pieces.</summary>
    public double Seconds { get; init; }

    /// <summary>Training images per second of training time.</summary>
    public double ImagesPerSecond { get; init; }

    /// <summary>Mean training loss of the last epoch.</summary>
    public double FinalLoss { get; init; }

    public string? Reason { get; init; }

    /// <summary>Steps re-run with oneDNN off because their loss or gradient was not finite with it on (this piece of the training).</summary>
    public int OneDnnFallbackSteps { get; init; }

    /// <summary>Validation images per second in eval mode at <see cref="InferenceBenchmark.ThroughputBatch"/>: the validation pass, timed.</summary>
    public double ValidationImagesPerSecond { get; init; }

    /// <summary>Where the time of this piece went.</summary>
    public TrainingPhases Phases { get; init; } = new();
}

/// <summary>
/// The child training loop: SGD with (Nesterov) momentum and weight decay (or AdamW), single-period cosine learning rate per
/// step after an optional linear warm-up, global gradient-norm clipping, ScheduledDropPath progress, optional auxiliary loss and label smoothing, a
/// dispose scope per step, divergence detection (NaN/inf or exploding loss ends the run as <see cref="TrainingOutcome.Diverged"/>),
/// and a complete checkpoint after each epoch.
/// </summary>
/// <remarks>
/// Reproducibility: the data order, augmentation and cutout come from this training's own <see cref="Rng"/> (seeded
/// from the job seed, saved in the checkpoint), so they are exact under any concurrency. Weight initialisation,
/// drop-path masks and dropout draw from TorchSharp's global CPU generator, which this trainer seeds
/// (<c>manual_seed</c>) before building the model and saves/restores in checkpoints: a training alone in its
/// process is bit-reproducible (and resuming equals not stopping, at the same thread count), but concurrent
/// trainings in one process share that generator, so their initial weights and masks depend on interleaving.
/// On CUDA, masks come from the CUDA generator, which is seeded but not saved in checkpoints (a resumed GPU training
/// continues with other masks), and cuDNN kernels may be nondeterministic.
/// </remarks>
public sealed class ChildTrainer
{
    /// <summary>Held while seeding TorchSharp's global generator and building a network from it.</summary>
    internal static readonly Lock GlobalRngLock = new();

    /// <summary>A loss above this (or not finite) is called divergence.</summary>
    public const double DivergenceLoss = 1e3;


    private readonly ChildTrainingSpec _spec;
    private readonly DatasetSplits _splits;
    private readonly Device _device;
    private readonly int _seed;
    private readonly string _fingerprint;

    /// <summary>A trainer for one job.</summary>
    /// <param name="spec">Training settings.</param>
    /// <param name="splits">Data: training and validation indices of a loaded dataset.</param>
    /// <param name="device">Where to train.</param>
    /// <param name="seed">The job seed.</param>
    /// <param name="fingerprint">Identifies the network and settings; a checkpoint with another fingerprint is refused.</param>
    public ChildTrainer(ChildTrainingSpec spec, DatasetSplits splits, Device device, int seed, string fingerprint)
    {
        if (spec.Epochs < 1 || spec.BatchSize < 1 || spec.LearningRate <= 0)
        {
            throw new UserErrorException($"training needs epochs >= 1, batch size >= 1 and a positive learning rate (got {spec.Epochs}, {spec.BatchSize}, {spec.LearningRate})");
        }

        if (splits.TrainIndices.Length < 2)
        {
            throw new UserErrorException($"training needs at least 2 images (batch norm), got {splits.TrainIndices.Length}: raise --limit-train");
        }

        _spec = spec;
        _splits = splits;
        _device = device;
        _seed = seed;
        _fingerprint = fingerprint;
    }

    /// <summary>Training steps per epoch (a last batch of one image is dropped: batch norm needs two).</summary>
    public int StepsPerEpoch
    {
        get
        {
            var n = _splits.TrainIndices.Length;
            var steps = (n + _spec.BatchSize - 1) / _spec.BatchSize;
            return n % _spec.BatchSize == 1 && steps > 1 ? steps - 1 : steps;
        }
    }

    /// <summary>
    /// Seeds the global generator, builds the model with <paramref name="build"/>, trains (resuming from
    /// <paramref name="checkpoint"/> when given), and evaluates. The model is disposed at the end; after a completed
    /// training <paramref name="keep"/> is called with it first (e.g. to save weights or time inference).
    /// </summary>
    public TrainingRun Run(Func<TrainableModel> build, byte[]? checkpoint, Action<int, byte[]>? onEpoch, IProgress<EpochProgress>? progress, CancellationToken ct, Action<TrainableModel>? keep = null)
    {
        Generator generator;
        TrainableModel model;
        var buildClock = Stopwatch.StartNew();
        lock (GlobalRngLock)
        {
            // Seeding and initialising under one lock: concurrent trainings that start together still get the
            // initial weights their seeds give (as long as nothing else draws from the generator meanwhile).
            generator = torch.random.manual_seed(_seed);
            model = build();
        }

        try
        {
            model.Module.to(_device);
            var buildSeconds = buildClock.Elapsed.TotalSeconds;
            var run = Train(model, generator, checkpoint, onEpoch, progress, ct, keep);
            return run with { Phases = run.Phases with { Build = buildSeconds } };
        }
        finally
        {
            model.Module.Dispose();
            generator.Dispose(); // the handle only: the process-wide generator lives on
        }
    }

    /// <summary>Top-1 accuracy of <paramref name="model"/> on the given images, in eval mode.</summary>
    /// <remarks>The trainer evaluates at <see cref="InferenceBenchmark.ThroughputBatch"/> (64 on CPU): 256 raised the
    /// native memory a CPU slot keeps from about 1.4 to 2.7 GB (bench/Memory) for the same accuracy.</remarks>
    public static double Evaluate(Module<Tensor, Tensor> model, LoadedDataset data, ImageSet set, IReadOnlyList<int> indices, Device device, CancellationToken ct = default, int batchSize = 64) =>
        EvaluateTimed(model, data, set, indices, device, ct, batchSize).Accuracy;

    /// <summary>Top-1 accuracy and the images per second of the forward passes (batch building excluded).</summary>
    public static (double Accuracy, double ImagesPerSecond) EvaluateTimed(Module<Tensor, Tensor> model, LoadedDataset data, ImageSet set, IReadOnlyList<int> indices, Device device, CancellationToken ct = default, int batchSize = 64)
    {
        if (indices.Count == 0)
        {
            return (0, 0);
        }

        var loader = new BatchLoader(data, set);
        model.eval();
        long correct = 0;
        var forward = new Stopwatch();
        using (no_grad())
        {
            for (var start = 0; start < indices.Count; start += batchSize)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var count = Math.Min(batchSize, indices.Count - start);
                var (x, y) = loader.Batch(indices, start, count, device);
                forward.Start();
                var predicted = model.call(x).argmax(1);
                correct += predicted.eq(y).sum().item<long>(); // item() waits for the device
                forward.Stop();
            }
        }

        return ((double)correct / indices.Count, indices.Count / Math.Max(1e-9, forward.Elapsed.TotalSeconds));
    }

    private TrainingRun Train(TrainableModel model, Generator generator, byte[]? checkpoint, Action<int, byte[]>? onEpoch, IProgress<EpochProgress>? progress, CancellationToken ct, Action<TrainableModel>? keep)
    {
        var net = model.Module;
        var data = _splits.Data;
        var parameters = net.parameters().ToArray();
        using OptimizerHelper optimizer = _spec.Optimizer == "adamw"
            ? torch.optim.AdamW(parameters, _spec.LearningRate, weight_decay: _spec.WeightDecay)
            : torch.optim.SGD(parameters, _spec.LearningRate, _spec.Momentum, 0, _spec.WeightDecay, _spec.Nesterov && _spec.Momentum > 0);
        var rng = new Rng(_seed ^ 0x5eed_da7aL);
        var epochsDone = 0;
        var seconds = 0.0;
        var trainSeconds = 0.0;
        long images = 0;
        var lastLoss = double.NaN;
        if (checkpoint is not null)
        {
            var ck = Restore(checkpoint, net, optimizer, generator);
            epochsDone = ck.EpochsDone;
            rng = Rng.FromState(ck.DataRngState);
            seconds = ck.Seconds;
            trainSeconds = ck.Seconds;
            images = ck.ImagesTrained;
            lastLoss = ck.LastLoss;
        }

        var loader = new BatchLoader(data, data.Train);
        var augmentation = _spec.Augment ?? data.Augmentation;
        var steps = StepsPerEpoch;
        long totalSteps = (long)steps * _spec.Epochs;
        var trainIndices = _splits.TrainIndices;
        // The oneDNN guard (see CpuKernels): a step whose loss or gradient is not finite is re-run without oneDNN.
        // Its forward pass has already updated the BatchNorm running statistics (with NaN, if the forward was bad),
        // so they are saved before each step: one cat of the 1-D buffers, a few KiB.
        var guard = _device.type == DeviceType.CPU && CpuKernels.OneDnnEnabled;
        var statistics = guard ? RunningStatistics(net) : [];
        var fallbacks = 0;
        double checkpointSeconds = 0;
        var clock = Stopwatch.StartNew();
        for (var epoch = epochsDone; epoch < _spec.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            var order = DatasetSplits.Permutation(trainIndices.Length, rng).Select(i => trainIndices[i]).ToArray();
            net.train();
            double lossSum = 0;
            long epochImages = 0;
            for (var step = 0; step < steps; step++)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var globalStep = (long)epoch * steps + step;
                var lr = CosineSchedule.At(_spec.LearningRate, globalStep, totalSteps, _spec.WarmupSteps);
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = lr;
                }

                model.SetDropPathProgress?.Invoke((double)globalStep / totalSteps);
                var start = step * _spec.BatchSize;
                var count = Math.Min(_spec.BatchSize, order.Length - start);
                var (x, y) = loader.Batch(order, start, count, _device, augmentation, rng);
                var saved = statistics.Length > 0 ? torch.cat(statistics) : null;
                var (value, norm) = ForwardBackward(model, optimizer, parameters, x, y, guard);
                if (guard && !(double.IsFinite(value) && double.IsFinite(norm)) && CpuKernels.OneDnnEnabled)
                {
                    RestoreStatistics(statistics, saved);
                    using (CpuKernels.WithoutOneDnn())
                    {
                        (value, norm) = ForwardBackward(model, optimizer, parameters, x, y, guard);
                    }

                    fallbacks++;
                }

                if (!double.IsFinite(value) || value > DivergenceLoss || !double.IsFinite(norm))
                {
                    var what = double.IsFinite(value) && value <= DivergenceLoss ? $"gradient norm {norm}" : $"loss {value}";
                    return new TrainingRun
                    {
                        Outcome = TrainingOutcome.Diverged,
                        Epochs = epoch,
                        Seconds = seconds + clock.Elapsed.TotalSeconds,
                        ImagesPerSecond = (images + epochImages) / Math.Max(1e-9, trainSeconds + epochClock.Elapsed.TotalSeconds),
                        FinalLoss = value,
                        Reason = $"{what} at epoch {epoch + 1}, step {step + 1}" + (fallbacks > 0 ? $" ({fallbacks} step(s) re-run with oneDNN off)" : ""),
                        OneDnnFallbackSteps = fallbacks,
                        Phases = new TrainingPhases(Train: clock.Elapsed.TotalSeconds - checkpointSeconds, Checkpoint: checkpointSeconds),
                    };
                }

                optimizer.step();
                lossSum += value;
                epochImages += count;
                progress?.Report(new EpochProgress(epoch + 1, _spec.Epochs, step + 1, steps, lossSum / (step + 1), epochImages / Math.Max(1e-9, epochClock.Elapsed.TotalSeconds)));
            }

            images += epochImages;
            trainSeconds += epochClock.Elapsed.TotalSeconds;
            lastLoss = lossSum / steps;
            if (onEpoch is not null)
            {
                var checkpointClock = Stopwatch.StartNew();
                using var torchRng = generator.get_state();
                var state = new TrainingCheckpoint(_fingerprint, epoch + 1, rng.State, torchRng.data<byte>().ToArray(), SaveModel(net), SaveOptimizer(optimizer), seconds + clock.Elapsed.TotalSeconds, images, lastLoss);
                onEpoch(epoch + 1, state.ToBytes());
                checkpointSeconds += checkpointClock.Elapsed.TotalSeconds;
            }
        }

        var trainTime = clock.Elapsed.TotalSeconds - checkpointSeconds;
        var validateClock = Stopwatch.StartNew();
        // Scoring runs at the throughput batch (64 on CPU), not the training batch: at batch 16 the validation pass
        // took longer, and its forward passes are the candidate's throughput measurement (TorchCandidateTrainer).
        var evalBatch = InferenceBenchmark.ThroughputBatch(_device);
        var (validation, validationRate) = EvaluateTimed(net, data, data.Train, _splits.ValidationIndices, _device, ct, evalBatch);
        double? test = _spec.EvaluateTest && data.Test.Count > 0
            ? Evaluate(net, data, data.Test, Enumerable.Range(0, data.Test.Count).ToArray(), _device, ct, evalBatch)
            : null;
        var validateTime = validateClock.Elapsed.TotalSeconds;
        keep?.Invoke(model);
        return new TrainingRun
        {
            Outcome = TrainingOutcome.Completed,
            ValidationAccuracy = validation,
            TestAccuracy = test,
            Epochs = _spec.Epochs,
            Seconds = seconds + clock.Elapsed.TotalSeconds,
            ImagesPerSecond = images / Math.Max(1e-9, trainSeconds),
            FinalLoss = lastLoss,
            OneDnnFallbackSteps = fallbacks,
            ValidationImagesPerSecond = validationRate,
            Phases = new TrainingPhases(Train: trainTime, Validate: validateTime, Checkpoint: checkpointSeconds),
        };
    }

    /// <summary>
    /// Forward, loss, backward and gradient clipping of one batch; returns the loss and the global gradient norm
    /// (computed, with an infinite clip, also when clipping is off but <paramref name="needNorm"/> asks for it: the
    /// oneDNN guard checks it; one native call over all parameters).
    /// </summary>
    private (double Loss, double GradientNorm) ForwardBackward(TrainableModel model, OptimizerHelper optimizer, Parameter[] parameters, Tensor x, Tensor y, bool needNorm)
    {
        var loss = Loss(model.Module.call(x), y);
        if (_spec.AuxHead && _spec.AuxWeight > 0 && model.AuxLogits?.Invoke() is { } aux)
        {
            loss = loss + _spec.AuxWeight * Loss(aux, y);
        }

        optimizer.zero_grad();
        loss.backward();
        double value = loss.item<float>();
        var norm = _spec.GradientClipNorm > 0
            ? torch.nn.utils.clip_grad_norm_(parameters, _spec.GradientClipNorm)
            : needNorm ? torch.nn.utils.clip_grad_norm_(parameters, double.PositiveInfinity) : 0;
        return (value, norm);
    }

    /// <summary>The BatchNorm running means and variances of <paramref name="net"/> (1-D float buffers).</summary>
    private static Tensor[] RunningStatistics(Module<Tensor, Tensor> net) =>
        net.named_buffers()
            .Where(b => (b.name.EndsWith("running_mean", StringComparison.Ordinal) || b.name.EndsWith("running_var", StringComparison.Ordinal)) && b.buffer.dtype == ScalarType.Float32)
            .Select(b => b.buffer)
            .ToArray();

    private static void RestoreStatistics(Tensor[] statistics, Tensor? saved)
    {
        if (saved is null)
        {
            return;
        }

        using var noGrad = no_grad();
        long offset = 0;
        foreach (var b in statistics)
        {
            var n = b.numel();
            using var part = saved.narrow(0, offset, n).view(b.shape);
            b.copy_(part);
            offset += n;
        }
    }

    /// <summary>Cross-entropy, with label smoothing when configured (uniform over classes).</summary>
    private Tensor Loss(Tensor logits, Tensor y)
    {
        if (_spec.LabelSmoothing <= 0)
        {
            return functional.cross_entropy(logits, y);
        }

        var logp = functional.log_softmax(logits, 1);
        var nll = -logp.gather(1, y.unsqueeze(1)).squeeze(1);
        var uniform = -logp.mean([1L]);
        return ((1 - _spec.LabelSmoothing) * nll + _spec.LabelSmoothing * uniform).mean();
    }

    private TrainingCheckpoint Restore(byte[] bytes, Module<Tensor, Tensor> net, OptimizerHelper optimizer, Generator generator)
    {
        TrainingCheckpoint ck;
        try
        {
            ck = TrainingCheckpoint.FromBytes(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new UserErrorException($"cannot resume: {e.Message}; start the training again without the checkpoint");
        }

        if (ck.Fingerprint != _fingerprint)
        {
            throw new UserErrorException("cannot resume: the checkpoint belongs to another network or settings; start the training again without it");
        }

        if (ck.EpochsDone < 0 || ck.EpochsDone > _spec.Epochs)
        {
            throw new UserErrorException($"cannot resume: the checkpoint is at epoch {ck.EpochsDone} of a {_spec.Epochs}-epoch training");
        }

        net.load(new MemoryStream(ck.Model));
        using (var r = new BinaryReader(new MemoryStream(ck.Optimizer)))
        {
            optimizer.load_state_dict(r);
        }

        using var state = tensor(ck.TorchRngState, ScalarType.Byte);
        generator.set_state(state);
        return ck;
    }

    private static byte[] SaveModel(Module<Tensor, Tensor> net)
    {
        var ms = new MemoryStream();
        net.save(ms); // closes the stream (notes §5); ToArray still works
        return ms.ToArray();
    }

    private static byte[] SaveOptimizer(OptimizerHelper optimizer)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            optimizer.save_state_dict(w);
        }

        return ms.ToArray();
    }
}
