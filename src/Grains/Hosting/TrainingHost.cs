using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NasNet.Core.Campaigns;
using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using NasNet.Core.Training;
using NasNet.Grains.Storage;
using NasNet.Grains.Telemetry;

namespace NasNet.Grains.Hosting;

/// <summary>
/// The silo's training host: one loop per training slot, started when the silo becomes active. Each loop pulls a
/// lease through its trainer grain, trains on the slot's own thread (never on the Orleans scheduler, never inside a
/// grain call), renews the lease while training, checkpoints at every epoch boundary, and reports the result by grain
/// call until acknowledged. When the silo stops, running trainings are cancelled (their last epoch checkpoint stays)
/// and their leases are given back before the silo leaves the cluster.
/// </summary>
public sealed class TrainingHost(
    IGrainFactory grains,
    ICheckpointStore checkpoints,
    TrainerFactory trainers,
    IOptions<NasNetOptions> options,
    ILocalSiloDetails silo,
    NasNetMetrics metrics,
    ILogger<TrainingHost> log) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ConcurrentDictionary<string, CampaignConfig> _configs = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task[] _loops = [];

    /// <summary>Slots this host runs.</summary>
    public int Slots { get; private set; }

    /// <summary>The default slot count: CUDA devices when any, else one 1-thread training per CPU core.</summary>
    public static int DefaultSlots(int cudaDevices) => cudaDevices > 0 ? cudaDevices : Math.Max(1, Environment.ProcessorCount);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(TrainingHost), ServiceLifecycleStage.Active + 10, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken ct)
    {
        Slots = options.Value.Slots > 0 ? options.Value.Slots : DefaultSlots(NasNet.Core.Runtime.TorchRuntime.CudaDeviceCount());
        metrics.SetSlots(Slots);
        _loops = Enumerable.Range(0, Slots).Select(i => Task.Run(() => RunSlotAsync(i, _stopping.Token))).ToArray();
        log.LogInformation("Training host on {Silo}: {Slots} slots", silo.Name, Slots);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken ct)
    {
        await _stopping.CancelAsync();
        var drain = Task.WhenAll(_loops);
        await Task.WhenAny(drain, Task.Delay(TimeSpan.FromSeconds(options.Value.DrainSeconds), ct));
        log.LogInformation("Training host on {Silo} drained ({Done})", silo.Name, drain.IsCompleted ? "all slots" : "timed out");
    }

    private async Task RunSlotAsync(int slot, CancellationToken stop)
    {
        var trainerId = $"{silo.Name}/{slot}";
        var trainer = grains.GetGrain<ITrainerGrain>(trainerId);
        using var thread = new SlotThread($"nasnet-slot-{slot}");
        while (!stop.IsCancellationRequested)
        {
            Lease? lease;
            var requested = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                lease = await trainer.RequestWork();
            }
            catch (Exception ex) when (!stop.IsCancellationRequested)
            {
                log.LogWarning("Trainer {Trainer} could not get work: {Error}", trainerId, ex.Message);
                await Delay(TimeSpan.FromSeconds(1), stop);
                continue;
            }
            catch (Exception)
            {
                break;
            }

            if (lease is null)
            {
                await Delay(TimeSpan.FromMilliseconds(20), stop); // the broker already waited for work
                continue;
            }

            metrics.SlotBusy(true);
            try
            {
                await RunLeaseAsync(trainerId, trainer, thread, lease, requested, stop);
            }
            finally
            {
                metrics.SlotBusy(false);
            }
        }
    }

    private async Task RunLeaseAsync(string trainerId, ITrainerGrain trainer, SlotThread thread, Lease lease, long requested, CancellationToken stop)
    {
        using var leaseCts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var lost = false;
        var epoch = 0;
        Task renewals = Task.CompletedTask;
        try
        {
            var config = _configs.GetOrAdd(lease.ConfigJson, CampaignConfig.Parse);
            // A final-evaluation lease carries its own spec (the final size); a reference network is named, not a genotype.
            var spec = lease.SpecJson is { } specJson ? WorkJson.Read<ChildTrainingSpec>(specJson, "lease spec") : config.Child with { Epochs = lease.Epochs };
            var reference = ReferenceNetworks.IsReference(lease.GenotypeJson) ? lease.GenotypeJson.Trim() : null;
            var space = CampaignRules.Space(config);
            var architecture = reference is null ? space.Parse(lease.GenotypeJson) : Genotypes.NasNetA;
            var job = new CandidateJob(lease.CandidateId, architecture, spec, (int)(lease.Seed & int.MaxValue)) { Reference = reference };
            var impl = trainers.Create(config.Trainer, space);
            var checkpoint = await LoadCheckpointAsync(lease.CandidateId);
            epoch = checkpoint?.Epoch ?? 0;
            var resumedFrom = epoch;
            if (resumedFrom > 0)
            {
                log.LogInformation("Trainer {Trainer} resumes candidate {CandidateId} from epoch {Epoch} (attempt {Attempt})", trainerId, lease.CandidateId, resumedFrom, lease.Attempt);
            }

            var renewEvery = TimeSpan.FromSeconds(Math.Max(0.1, lease.Seconds / 3));
            renewals = Task.Run(async () =>
            {
                while (!leaseCts.IsCancellationRequested)
                {
                    await Delay(renewEvery, leaseCts.Token);
                    if (leaseCts.IsCancellationRequested)
                    {
                        break;
                    }

                    try
                    {
                        if (!await trainer.Renew(lease, Volatile.Read(ref epoch)))
                        {
                            lost = true;
                            log.LogWarning("Trainer {Trainer} lost its lease on {CandidateId}: stopping", trainerId, lease.CandidateId);
                            await leaseCts.CancelAsync();
                        }
                    }
                    catch (Exception ex) when (!leaseCts.IsCancellationRequested)
                    {
                        log.LogWarning("Trainer {Trainer} could not renew {CandidateId}: {Error}", trainerId, lease.CandidateId, ex.Message);
                    }
                }
            });

            var epochWatch = System.Diagnostics.Stopwatch.StartNew();
            var trainingStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            var startedUtc = DateTime.UtcNow;
            var progress = new EpochMetrics(metrics);
            var result = await thread.Run(
                () => impl.Train(job, checkpoint?.Data, (e, bytes) =>
                {
                    SaveCheckpoint(lease.CandidateId, new Checkpoint(e, bytes));
                    Volatile.Write(ref epoch, e);
                    metrics.Epoch(epochWatch.Elapsed.TotalSeconds, 0);
                    epochWatch.Restart();
                }, progress, leaseCts.Token),
                leaseCts.Token);
            var trainingEnded = System.Diagnostics.Stopwatch.GetTimestamp();
            await leaseCts.CancelAsync();
            await renewals;

            metrics.OneDnnFallback(result.OneDnnFallbackSteps);
            var hasWeights = result.Weights is { Length: > 0 };
            if (hasWeights)
            {
                await checkpoints.SaveWeightsAsync(lease.CandidateId, result.Weights!);
            }

            var report = new TrainingReport(
                result.Outcome == Core.Training.TrainingOutcome.Diverged ? Interfaces.TrainingOutcome.Diverged : Interfaces.TrainingOutcome.Completed, result.ValidationAccuracy, result.TestAccuracy, result.Params, result.MultAdds,
                result.LatencyMs, result.ThroughputImagesPerSecond, result.Epochs, result.Seconds, result.ImagesPerSecond,
                result.Reason, trainerId, resumedFrom, hasWeights, result.OneDnnFallbackSteps, progress.Losses.ToArray(), lease.LeaseId, lease.Attempt, startedUtc);
            var ack = await ReportAsync(() => trainer.Complete(lease, report), lease, stop);
            metrics.Overhead((System.Diagnostics.Stopwatch.GetElapsedTime(requested, trainingStarted) + System.Diagnostics.Stopwatch.GetElapsedTime(trainingEnded)).TotalSeconds);
            if (ack is LeaseAck.Accepted or LeaseAck.Duplicate && !lease.KeepCheckpoint) // kept for an ASHA promotion
            {
                _ = TryAsync(() => checkpoints.DeleteAsync(lease.CandidateId)); // off the path to the next lease
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !lost)
        {
            log.LogInformation("Trainer {Trainer} drains: gives back {CandidateId} at epoch {Epoch}", trainerId, lease.CandidateId, epoch);
            await TryAsync(() => trainer.Release(lease).WaitAsync(TimeSpan.FromSeconds(5)));
        }
        catch (OperationCanceledException) when (lost)
        {
            // The controller re-leased the candidate: nothing to report.
        }
        catch (Exception ex)
        {
            await leaseCts.CancelAsync();
            log.LogWarning(ex, "Trainer {Trainer} failed on {CandidateId}", trainerId, lease.CandidateId);
            await ReportAsync(() => trainer.Fail(lease, ex.Message.Split('\n')[0]), lease, stop);
        }
        finally
        {
            await leaseCts.CancelAsync();
            await TryAsync(() => renewals);
        }
    }

    /// <summary>Reports until the controller acknowledges (it may be moving between silos or its storage down).</summary>
    private async Task<LeaseAck?> ReportAsync(Func<Task<LeaseAck>> report, Lease lease, CancellationToken stop)
    {
        var deadline = DateTime.UtcNow.AddSeconds(Math.Max(60, lease.Seconds * 4));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await report();
            }
            catch (Exception ex) when (DateTime.UtcNow < deadline)
            {
                log.LogWarning("Report for {CandidateId} not acknowledged (try {Attempt}): {Error}", lease.CandidateId, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt)), CancellationToken.None);
            }
            catch (Exception ex)
            {
                log.LogError("Report for {CandidateId} given up: {Error}; the lease will expire and the work resume from its checkpoint", lease.CandidateId, ex.Message);
                return null;
            }
        }
    }

    private async Task<Checkpoint?> LoadCheckpointAsync(string candidateId)
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            try
            {
                return await checkpoints.LoadAsync(candidateId);
            }
            catch (Exception ex) when (attempt < 5)
            {
                log.LogWarning("Checkpoint of {CandidateId} not readable (try {Attempt}): {Error}", candidateId, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
        }

        return null;
    }

    /// <summary>Saves on the training thread; a checkpoint store outage costs only the resume point, not the training.</summary>
    private void SaveCheckpoint(string candidateId, Checkpoint checkpoint)
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            try
            {
                checkpoints.SaveAsync(candidateId, checkpoint).GetAwaiter().GetResult();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogWarning("Checkpoint of {CandidateId} epoch {Epoch} not saved (try {Attempt}): {Error}", candidateId, checkpoint.Epoch, attempt, ex.Message);
                Thread.Sleep(TimeSpan.FromMilliseconds(500 * attempt));
            }
        }
    }

    private async Task TryAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex)
        {
            log.LogDebug(ex, "best-effort call failed");
        }
    }

    /// <summary>
    /// Records a trainer's images/s at the end of each epoch (synchronously, on the training thread), and the epoch's
    /// mean training loss for the report's learning curve (read once the training has returned).
    /// </summary>
    private sealed class EpochMetrics(NasNetMetrics metrics) : IProgress<EpochProgress>
    {
        public List<double> Losses { get; } = [];

        public void Report(EpochProgress value)
        {
            if (value.Step != value.Steps)
            {
                return;
            }

            Losses.Add(value.Loss);
            if (value.ImagesPerSecond > 0)
            {
                metrics.Epoch(0, value.ImagesPerSecond);
            }
        }
    }

    private static async Task Delay(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
