using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NasNet.Core;
using NasNet.Core.Campaigns;
using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;
using NasNet.Grains.Storage;
using NasNet.Grains.Telemetry;
using Orleans.Runtime;
using Orleans.Storage;
using Domain = NasNet.Core.Campaigns;
using CandidateStatus = NasNet.Grains.Interfaces.CandidateStatus;
using CampaignState = NasNet.Grains.Interfaces.CampaignState;

namespace NasNet.Grains.Campaigns;

/// <summary>
/// The controller of one campaign: orchestration over the campaign's <see cref="CandidateLedger"/>, which holds every
/// rule. A method loads nothing (the ledger is in memory), calls the ledger, stores what changed, then tells the
/// candidate grains and the broker. Reentrant: every ledger call happens synchronously between awaits, and a report
/// is acknowledged only after the change is stored (group commit through <see cref="StateWriter"/>). A timer expires
/// leases; a reminder re-drives the controller after restarts until the campaign ends.
/// </summary>
[Reentrant]
public sealed partial class CampaignGrain(
    NasNetMetrics metrics,
    ICheckpointStore checkpoints,
    ILogger<CampaignGrain> log) : Grain, ICampaignGrain, IRemindable
{
    private const string ReminderName = "drive";
    private const string StateName = "campaign";

    private readonly GrainState<ControllerState> _stored = new(new ControllerState());
    private ControllerState _state = new();
    private IGrainStorage? _storage;
    private StateWriter? _writer;
    private CampaignPages? _pages;
    private CampaignConfig? _config;
    private CandidateLedger? _ledger;
    private IGrainTimer? _timer;
    private bool _requeued;
    private bool _planning;

    private string Id => this.GetPrimaryKeyString();

    private CandidateLedger Ledger => _ledger ?? throw new UserErrorException($"no campaign '{Id}': see 'nasnet campaign list'");

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _writer = new StateWriter(WriteAsync);
        _storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>("nasnet");
        _pages = new CampaignPages(_storage, this.GetGrainId());
        await _storage.ReadStateAsync(StateName, this.GetGrainId(), _stored);
        _state = (_stored.State ?? new ControllerState()).Copy();
        if (_state.ConfigJson is null || _state.Header is null)
        {
            return;
        }

        _config = CampaignConfig.Parse(_state.ConfigJson);
        var entries = await _pages.LoadAsync(_state.Pages);
        var strategy = _state.Strategy is null
            ? SearchStrategies.Create(_config.Strategy, CellSearchSpace.Default, _config.Seed)
            : SearchStrategies.Restore(_config.Strategy, CellSearchSpace.Default, _state.Strategy);
        var settings = Settings(_config, _state.FinalJson);
        _ledger = CandidateLedger.Restore(settings, strategy, CostModel(_config), LedgerJson.Read<LedgerHeader>(_state.Header), entries, DateTime.UtcNow);
        Publish();
        if (_ledger.State == Domain.CampaignState.Running)
        {
            StartTimer();
            log.LogInformation("Campaign {CampaignId} reactivated: {Done} done, {Running} leased, {Pending} pending", Id, _ledger.Done, _ledger.Running, _ledger.Pending);
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.Remove(Id);
        _ledger?.Dispose();
        return Task.CompletedTask;
    }

    public async Task<CampaignStatus> Start(string configJson)
    {
        var config = CampaignConfig.Parse(configJson);
        var canonical = config.ToJson();
        if (_state.ConfigJson is not null)
        {
            return _state.ConfigJson == canonical
                ? Status()
                : throw new UserErrorException($"campaign '{Id}' already exists with another config: choose another id");
        }

        _config = config;
        var settings = Settings(config, null);
        _ledger = CandidateLedger.Start(settings, SearchStrategies.Create(config.Strategy, CellSearchSpace.Default, config.Seed), CostModel(config), DateTime.UtcNow);
        _state.ConfigJson = canonical;
        await SettleAsync(flush: true);
        StartTimer();
        await Task.WhenAll(this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)), Broker.Register(Id, true));
        log.LogInformation("Campaign {CampaignId} started: {Strategy}, budget {Budget}, trainer {Trainer}", Id, config.Strategy.Kind, config.Budget.Candidates, config.Trainer.Kind);
        return Status();
    }

    public Task<CampaignStatus> GetStatus() => Task.FromResult(Status());

    public Task<CandidateSummary[]> GetCandidates() =>
        Task.FromResult(Enumerable.Range(0, Ledger.Entries.Count).Select(Summary).ToArray());

    public Task<CandidateSummary[]> GetLeaderboard(int skip, int take) =>
        Task.FromResult(Ledger.Ranking().Skip(Math.Max(0, skip)).Take(Math.Max(0, take)).Select(Summary).ToArray());

    public async Task<CampaignStatus> Stop()
    {
        if (Ledger.Stop())
        {
            await SettleAsync(flush: true);
            StopTimer();
            await Broker.Register(Id, false);
            log.LogInformation("Campaign {CampaignId} stopped", Id);
        }

        return Status();
    }

    public async Task<CampaignStatus> Evaluate(string? finalJson)
    {
        var ledger = Ledger;
        if (ledger.Header.FinalStarted)
        {
            throw new UserErrorException($"campaign '{Id}' already has a final evaluation: see 'nasnet campaign status {Id}'");
        }

        if (ledger.State != Domain.CampaignState.Completed)
        {
            throw new UserErrorException($"campaign '{Id}' is {ledger.State.ToString().ToLowerInvariant()}: evaluate it once its search has completed");
        }

        var final = (finalJson is null ? _config!.Final ?? new FinalSettings() : WorkJson.Read<FinalSettings>(finalJson, "final settings")).Validate();
        var json = WorkJson.Write(final);
        var settings = ledger.Settings with { Final = final };
        var work = await PlanAsync(settings, ledger.FoundCells());
        if (_ledger != ledger || ledger.Header.FinalStarted)
        {
            throw new UserErrorException($"campaign '{Id}' already has a final evaluation: see 'nasnet campaign status {Id}'");
        }

        // The ledger is rebuilt with the final settings (its rules are immutable); nothing else about it changes.
        var rebuilt = CandidateLedger.Restore(settings, SearchStrategies.Restore(_config!.Strategy, CellSearchSpace.Default, ledger.Strategy.Save()), CostModel(_config), ledger.Header, ledger.Entries.Select(e => e.Copy()), DateTime.UtcNow);
        if (!rebuilt.StartFinal(work))
        {
            rebuilt.Dispose();
            throw new UserErrorException($"campaign '{Id}' has no trained candidate to evaluate");
        }

        ledger.Dispose();
        _ledger = rebuilt;
        _state.FinalJson = json;
        _writer!.Changed();
        await SettleAsync(flush: true);
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await Broker.Register(Id, true);
        StartTimer();
        log.LogInformation("Campaign {CampaignId}: final evaluation started ({Trainings} trainings)", Id, rebuilt.FinalProgress.Total);
        return Status();
    }

    public Task<FinalReportView> GetFinalReport()
    {
        var report = Ledger.FinalReport;
        var final = Ledger.Settings.Final;
        var spec = final?.Spec(_config!.Child);
        var protocol = spec is null ? "" : $"N={spec.Cells}, F={spec.Filters}, {spec.Epochs} epochs on {(spec.TrainSubset is { } t ? $"{t:N0}" : "all")} training images, lr {spec.LearningRate}, {final!.Seeds} seed(s)";
        return Task.FromResult(new FinalReportView(
            report.Rows.Select(r => new FinalRowView(r.Label, r.Role.ToString(), r.Architecture, r.Seeds, r.Trained, r.TestMean, r.TestStd, r.ValidationMean, r.Params, r.MultAdds, r.LatencyMs)).ToArray(),
            report.BestFound?.Label, report.BestRandom?.Label, report.Complete && report.Rows.Count > 0, protocol));
    }

    public async Task<CampaignStatus> Resume()
    {
        if (Ledger.Resume(DateTime.UtcNow))
        {
            log.LogInformation("Campaign {CampaignId} resumed", Id);
        }

        if (Ledger.State == Domain.CampaignState.Running)
        {
            await SettleAsync(flush: true);
            await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            await Broker.Register(Id, true);
            StartTimer();
        }
        else
        {
            await SettleAsync(flush: true);
        }

        return Status();
    }

    public async Task<Lease?> TryLease(string trainerId)
    {
        if (_ledger is null || _config is null)
        {
            return null;
        }

        var grant = _ledger.TryLease(trainerId, DateTime.UtcNow);
        // Nothing is stored on the lease path: the grant (and any new proposal) rides on the next write. A controller
        // lost before then reloads the candidate as pending with the strategy state that proposed it, and leases it
        // again; the first trainer's report is then stale and ignored, and the new one resumes from the checkpoint.
        await SettleAsync(flush: false);
        if (grant is null)
        {
            return null;
        }

        var last = _ledger.Settings.Schedule.Rungs[^1];
        var final = grant.Final is { } w ? _ledger.Settings.Final!.Spec(_config.Child, w.Filters > 0 ? w.Filters : null) : null;
        return new Lease(grant.LeaseId, Id, grant.Number, CandidateId(grant.Number), grant.Architecture, _state.ConfigJson!, grant.Attempt,
            _config.Seed * 1_000_003 + grant.Number, _ledger.Settings.LeaseSeconds, grant.TargetEpochs, final is null && grant.TargetEpochs < last,
            final is null ? null : WorkJson.Write(final), grant.Final?.Label);
    }

    public Task<bool> Renew(string leaseId, int number, int epoch) =>
        Task.FromResult(_ledger?.Renew(leaseId, number, epoch, DateTime.UtcNow) ?? false);

    public async Task<LeaseAck> Complete(string leaseId, int number, TrainingReport report)
    {
        if (_ledger is null)
        {
            return LeaseAck.Stale;
        }

        var outcome = _ledger.Complete(leaseId, number, ToResult(report), DateTime.UtcNow);
        switch (outcome)
        {
            case ReportOutcome.Duplicate:
                // A retry after a lost answer: store again whatever the first attempt may not have stored (idempotent).
                var reusers = Enumerable.Range(0, _ledger.Entries.Count).Where(i => _ledger.Entries[i].CacheHitOf == number && _ledger.Entries[i].Status == Domain.CandidateStatus.Done);
                await Task.WhenAll(reusers.Append(number).Select(n => RecordAsync(n, report)).Append(FlushAsync()));
                return LeaseAck.Duplicate;
            case ReportOutcome.Stale:
                log.LogWarning("Campaign {CampaignId} ignored a stale completion for candidate {CandidateId} (lease {LeaseId})", Id, CandidateId(number), leaseId);
                await SettleAsync(flush: true);
                return LeaseAck.Stale;
        }

        // The candidates' results and the controller's table are stored concurrently; the trainer is answered once
        // both are (a failure is answered with an error, and the trainer's retry stores again, above).
        await SettleAsync(flush: true, report);
        var e = _ledger.Entries[number];
        log.LogInformation("Campaign {CampaignId} candidate {CandidateId} rung {Rung} done: accuracy {Accuracy:F4} by {Trainer} (attempt {Attempt})", Id, CandidateId(number), e.Rung, e.Accuracy, report.TrainerId, e.Attempts);
        return LeaseAck.Accepted;
    }

    public async Task<LeaseAck> Fail(string leaseId, int number, string reason)
    {
        if (_ledger is null || _ledger.Fail(leaseId, number, reason, DateTime.UtcNow) == ReportOutcome.Stale)
        {
            log.LogWarning("Campaign {CampaignId} ignored a stale failure for candidate {CandidateId} (lease {LeaseId})", Id, CandidateId(number), leaseId);
            await SettleAsync(flush: true);
            return LeaseAck.Stale;
        }

        log.LogWarning("Campaign {CampaignId} candidate {CandidateId} attempt failed: {Reason}", Id, CandidateId(number), reason);
        await SettleAsync(flush: true);
        return LeaseAck.Accepted;
    }

    public async Task Release(string leaseId, int number)
    {
        if (_ledger?.Release(leaseId, number) == true)
        {
            _requeued = true;
            await SettleAsync(flush: true);
            log.LogInformation("Campaign {CampaignId} candidate {CandidateId} given back by a draining trainer", Id, CandidateId(number));
        }
    }

    public async Task Wake()
    {
        if (_ledger?.State == Domain.CampaignState.Running)
        {
            StartTimer();
            _ledger.CheckEnd(DateTime.UtcNow);
            await SettleAsync(flush: false);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (_ledger?.State == Domain.CampaignState.Running)
        {
            await Broker.Register(Id, true);
            await Wake();
        }
        else
        {
            await UnregisterReminderAsync();
        }
    }

    private IWorkBrokerGrain Broker => GrainFactory.GetGrain<IWorkBrokerGrain>(0);

    private ICandidateGrain Candidate(int n) => GrainFactory.GetGrain<ICandidateGrain>(CandidateId(n));

    private string CandidateId(int n) => $"{Id}/{n:D5}";

    private CandidateInit Init(int n)
    {
        var e = Ledger.Entries[n];
        return new CandidateInit(Id, n, e.Hash, e.Architecture, e.PolicyVersion);
    }

    /// <summary>The ledger's rules from the config (and the final settings of an evaluation started on demand).</summary>
    private static LedgerSettings Settings(CampaignConfig c, string? finalJson) => new(
        c.Budget.Candidates, c.Budget.MaxConcurrent, c.Lease.Seconds, c.Lease.MaxAttempts, RungSchedule.Single(c.Child.Epochs),
        CostRulesOf(c), Final: finalJson is null ? c.Final : WorkJson.Read<FinalSettings>(finalJson, "final settings"));

    /// <summary>Plans a final evaluation off the grain's scheduler (it counts parameters by building children).</summary>
    private Task<IReadOnlyList<FinalWork>> PlanAsync(LedgerSettings settings, IReadOnlyList<string> found)
    {
        var config = _config!;
        return Task.Run(() =>
        {
            var (size, channels, classes) = ChildCostModel.ShapeOf(config.Child);
            return new FinalPlanner(settings.Final!, config.Child, config.Seed, size, channels, classes).Plan(found);
        });
    }

    /// <summary>The search ended and the config asks for a final evaluation: plan it, then queue it (once).</summary>
    private async Task StartFinalAsync()
    {
        if (_planning || _ledger is not { } ledger)
        {
            return;
        }

        _planning = true;
        try
        {
            var work = await PlanAsync(ledger.Settings, ledger.FoundCells());
            if (_ledger == ledger && ledger.StartFinal(work))
            {
                log.LogInformation("Campaign {CampaignId}: search done; final evaluation of {Trainings} trainings queued", Id, work.Count);
                await SettleAsync(flush: true);
                await Broker.WorkAvailable();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            log.LogWarning(ex, "Campaign {CampaignId}: final evaluation not planned yet; retried by the next timer tick", Id);
        }
        finally
        {
            _planning = false;
        }
    }

    private static CostRules CostRulesOf(CampaignConfig c) => new(MaxParams: c.Cost.MaxParams);

    private static ICostModel? CostModel(CampaignConfig c) => CostRulesOf(c).NeedsEstimate ? ChildCostModel.For(c.Child) : null;

    private static TrainedResult ToResult(TrainingReport r) =>
        new(r.Outcome == TrainingOutcome.Diverged, r.ValidationAccuracy, r.Params, r.MultAdds, r.LatencyMs, r.Epochs, r.ResumedFromEpoch, r.TestAccuracy);

    /// <summary>
    /// Carries out what the last ledger calls changed: marks the changed pages, then concurrently stores the table
    /// (when <paramref name="flush"/>) and tells the candidate grains (results, failures), then ends timers and
    /// reminders of a campaign that ended, wakes trainers for re-queued work and publishes the gauges.
    /// <paramref name="report"/> is the report a completion carried, recorded for the candidate and its cache hits.
    /// </summary>
    private async Task SettleAsync(bool flush, TrainingReport? report = null)
    {
        var ledger = Ledger;
        var (entries, header) = ledger.TakeChanged();
        foreach (var n in entries)
        {
            _pages!.Touch(n);
        }

        if (entries.Count > 0 || header)
        {
            _writer!.Changed();
        }

        var events = ledger.TakeEvents();
        var completed = events.Where(x => x is { Kind: LedgerEventKind.Finished, Source: < 0 }).Select(x => (int?)x.Number).FirstOrDefault();
        var ended = false;
        var work = new List<Task>();
        foreach (var ev in events)
        {
            switch (ev.Kind)
            {
                case LedgerEventKind.Added:
                    _ = TryAsync(() => Candidate(ev.Number).Init(Init(ev.Number)), ev.Number, "not initialised yet");
                    break;
                case LedgerEventKind.Finished when ev.Source < 0:
                    work.Add(RecordAsync(ev.Number, report ?? throw new InvalidOperationException("a result without its report")));
                    break;
                case LedgerEventKind.Finished:
                    // A cache hit: of the completion being reported (its waiters), or of a result stored earlier.
                    work.Add(report is not null && ev.Source == completed ? RecordAsync(ev.Number, report) : CopyResultAsync(ev.Number, ev.Source));
                    break;
                case LedgerEventKind.Requeued:
                    _requeued = true;
                    log.LogWarning("Campaign {CampaignId} candidate {CandidateId} re-queued: {Reason}", Id, CandidateId(ev.Number), ev.Reason);
                    work.Add(Candidate(ev.Number).MarkPending(Init(ev.Number), ev.Reason ?? ""));
                    break;
                case LedgerEventKind.Failed:
                    log.LogWarning("Campaign {CampaignId} candidate {CandidateId} failed: {Reason}", Id, CandidateId(ev.Number), ev.Reason);
                    work.Add(Candidate(ev.Number).MarkEnded(Init(ev.Number), CandidateStatus.Failed, ev.Reason ?? ""));
                    break;
                case LedgerEventKind.Rejected:
                    work.Add(Candidate(ev.Number).MarkEnded(Init(ev.Number), CandidateStatus.Rejected, ev.Reason ?? ""));
                    break;
                case LedgerEventKind.Ended:
                    ended = true;
                    flush = true;
                    break;
                case LedgerEventKind.FinalDue:
                    _ = StartFinalAsync();
                    break;
            }
        }

        if (flush)
        {
            work.Add(FlushAsync());
        }

        await Task.WhenAll(work);
        if (ended)
        {
            await EndAsync();
        }
        else if (_requeued && ledger.State == Domain.CampaignState.Running)
        {
            _requeued = false;
            await Broker.WorkAvailable();
        }

        Publish();
    }

    /// <summary>Records candidate <paramref name="n"/>'s latest rung result from a report.</summary>
    private Task RecordAsync(int n, TrainingReport report)
    {
        var e = Ledger.Entries[n];
        return Candidate(n).RecordResult(Init(n), Math.Max(0, e.Rung), report, e.Reward, e.CacheHitOf >= 0 ? CandidateId(e.CacheHitOf) : null);
    }

    /// <summary>A cache hit settled at proposal: records the source's first result for it.</summary>
    private async Task CopyResultAsync(int n, int source)
    {
        var view = await Candidate(source).Get();
        if (view.RungResults.Count > 0)
        {
            await Candidate(n).RecordResult(Init(n), 0, view.RungResults[0], Ledger.Entries[n].Reward, CandidateId(source));
        }
    }

    private async Task EndAsync()
    {
        var ledger = Ledger;
        StopTimer();
        await Broker.Register(Id, false);
        await UnregisterReminderAsync();
        if (ledger.Settings.Schedule.Promotes)
        {
            // Checkpoints kept for promotions that never came: nobody resumes them now.
            foreach (var n in Enumerable.Range(0, ledger.Entries.Count).Where(n => ledger.Entries[n].CacheHitOf < 0 && ledger.Entries[n].Rung < ledger.Settings.Schedule.Rungs.Count - 1))
            {
                _ = TryAsync(() => checkpoints.DeleteAsync(CandidateId(n)), n, "checkpoint not deleted");
            }
        }

        if (ledger.State == Domain.CampaignState.Failed)
        {
            log.LogError("Campaign {CampaignId} failed: {Error}", Id, ledger.Header.Error);
        }
        else
        {
            log.LogInformation("Campaign {CampaignId} {State}: {Done} done, {Failed} failed, {Rejected} rejected", Id, ledger.State, ledger.Done, ledger.Failed, ledger.Rejected);
        }
    }

    private async Task TryAsync(Func<Task> action, int n, string what)
    {
        try
        {
            await action();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            log.LogWarning("Campaign {CampaignId} candidate {CandidateId} {What}: {Error}", Id, CandidateId(n), what, ex.Message);
        }
    }

    private async Task UnregisterReminderAsync()
    {
        try
        {
            if (await this.GetReminder(ReminderName) is { } r)
            {
                await this.UnregisterReminder(r);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            log.LogDebug(ex, "Campaign {CampaignId}: reminder not removed", Id);
        }
    }

    private void StartTimer()
    {
        if (_timer is not null || _config is null)
        {
            return;
        }

        var period = TimeSpan.FromSeconds(Math.Clamp(_config.Lease.Seconds / 4, 0.2, 5));
        _timer = this.RegisterGrainTimer(async _ =>
        {
            try
            {
                if (_ledger?.ExpireLeases(DateTime.UtcNow) > 0)
                {
                    log.LogWarning("Campaign {CampaignId}: leases expired", Id);
                }

                await SettleAsync(flush: _writer!.Dirty);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                log.LogWarning(ex, "Campaign {CampaignId}: lease check failed; retrying", Id);
            }
        }, new GrainTimerCreationOptions(period, period) { Interleave = true, KeepAlive = true });
    }

    private void StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private Task FlushAsync() => _writer!.FlushAsync();

    private async Task WriteAsync()
    {
        try
        {
            // One instant's state: the ledger's header and strategy bytes, and the changed pages (serialized now). The
            // pages are written first; the state that names them is the commit.
            var ledger = Ledger;
            var header = _state.Copy();
            header.Header = LedgerJson.Write(ledger.Header);
            header.Strategy = ledger.Strategy.Save();
            header.Pages = await _pages!.WriteChangedAsync(ledger.Entries, _state.Pages);
            _stored.State = header;
            await _storage!.WriteStateAsync(StateName, this.GetGrainId(), _stored);
            _state.Pages = header.Pages; // committed
            _state.Header = header.Header;
            _pages.Committed();
        }
        catch (Exception ex)
        {
            _pages!.TouchAll(Ledger.Entries.Count); // not committed: a retry stores every page again
            // The stored etag is unknown now (a timed-out write may have landed, or someone else wrote): start over
            // from storage. Nothing unstored was acknowledged, so trainers retry and leases re-drive the rest.
            log.LogWarning("Campaign {CampaignId}: state not stored ({Error}); reloading from storage", Id, ex.Message);
            StopTimer();
            DeactivateOnIdle();
            throw;
        }
    }

    private void Publish()
    {
        if (_ledger is not { } l)
        {
            return;
        }

        var running = l.State == Domain.CampaignState.Running;
        var best = l.Best >= 0 ? l.Entries[l.Best] : null;
        metrics.Publish(Id, new CampaignGauges(running ? l.Pending : 0, l.Running, l.Done, l.Failed, l.CacheHits, best?.Accuracy ?? 0, l.Strategy.PolicyVersion, running));
    }

    private CandidateSummary Summary(int n)
    {
        var e = Ledger.Entries[n];
        return new CandidateSummary(n, CandidateId(n), e.Hash, (CandidateStatus)e.Status, e.Reward, e.Attempts,
            e.CacheHitOf >= 0 ? CandidateId(e.CacheHitOf) : null, e.PolicyVersion, e.Rung, e.Accuracy, e.Score, e.Params, e.MultAdds,
            e.LatencyMs, e.Epoch, e.Reason);
    }

    private CampaignStatus Status()
    {
        var l = Ledger;
        var config = _config!;
        var best = l.Best >= 0 ? l.Entries[l.Best] : null;
        var trainers = l.RunningNumbers.Select(n => (n, e: l.Entries[n]))
            .Select(x => new TrainerActivity(x.e.TrainerId ?? "?", CandidateId(x.n), x.e.Epoch, x.e.TargetEpochs, x.e.LeasedUtc))
            .OrderBy(t => t.TrainerId, StringComparer.Ordinal).ToArray();
        return new CampaignStatus(
            Id, config.Name, (CampaignState)l.State, config.Strategy.Kind, config.Budget.Candidates, l.Entries.Count, l.Done, l.Failed,
            l.Pending, l.Running, l.CacheHits, l.Strategy.PolicyVersion, l.Strategy.RewardsApplied, best?.Accuracy, best?.Hash,
            l.Best >= 0 ? CandidateId(l.Best) : null, l.RewardMovingAverage, l.Header.StartedUtc, l.Header.EndedUtc,
            trainers, l.Header.Error, l.Header.Resumes, l.Header.StaleReports, RuntimeIdentity, l.Rejected, l.Header.Promotions,
            l.EpochsTrained, best?.Rung ?? -1, l.Settings.Schedule.Rungs.ToArray(), l.FinalProgress.Done, l.FinalProgress.Failed, l.FinalProgress.Total);
    }
}
