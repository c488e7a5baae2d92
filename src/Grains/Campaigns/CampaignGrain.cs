using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NasNet.Core;
using NasNet.Core.Campaigns;
using NasNet.Core.Controller;
using NasNet.Grains.Storage;
using NasNet.Grains.Telemetry;
using Orleans.Storage;
using Domain = NasNet.Core.Campaigns;

namespace NasNet.Grains.Campaigns;

/// <summary>
/// The controller of one campaign: orchestration over the campaign's <see cref="CandidateLedger"/>, which holds every
/// rule. A method calls the ledger (in memory), stores what changed (the paged table, in one place: <see cref="WriteAsync"/>),
/// then tells the candidate grains and the broker. Reentrant: every ledger call happens synchronously between awaits,
/// and a report is acknowledged only after the change is stored (group commit through <see cref="StateWriter"/>). A
/// timer expires leases; a reminder re-drives the controller after restarts until the campaign ends.
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
    private CandidateRecords? _records;
    private CampaignConfig? _config;
    private CandidateLedger? _ledger;
    private CommittedView? _committed;
    private IGrainTimer? _timer;
    private bool _requeued;
    private bool _planning;

    private string Id => this.GetPrimaryKeyString();

    private CandidateLedger Ledger => _ledger ?? throw NoCampaign();

    /// <summary>What readers see: the ledger's views as of the last stored state (see <see cref="CommittedView"/>).</summary>
    private CommittedView Committed => _committed ?? throw NoCampaign();

    private CandidateRecords Records => _records!;

    private IWorkBrokerGrain Broker => GrainFactory.GetGrain<IWorkBrokerGrain>(0);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _writer = new StateWriter(WriteAsync);
        _storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>("nasnet");
        _pages = new CampaignPages(_storage, this.GetGrainId());
        _records = new CandidateRecords(GrainFactory, Id, log);
        await _storage.ReadStateAsync(StateName, this.GetGrainId(), _stored);
        _state = (_stored.State ?? new ControllerState()).Copy();
        if (_state.ConfigJson is null || _state.Header is null)
        {
            return;
        }

        _config = CampaignConfig.Parse(_state.ConfigJson);
        var entries = await _pages.LoadAsync(_state.Pages);
        var strategy = _state.Strategy is null
            ? SearchStrategies.Create(_config.Strategy, CampaignRules.Space(_config), _config.Seed)
            : SearchStrategies.Restore(_config.Strategy, CampaignRules.Space(_config), _state.Strategy);
        _ledger = CandidateLedger.Restore(CampaignRules.Settings(_config), strategy, CampaignRules.CostModel(_config), LedgerJson.Read<LedgerHeader>(_state.Header), entries, DateTime.UtcNow);
        _committed = Snapshot();
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

        // The data and the cost limits before anything is stored (children are built on the meta device: off the scheduler).
        await Task.Run(() => CampaignPreflight.Check(config));
        _config = config;
        _ledger = CandidateLedger.Start(CampaignRules.Settings(config), SearchStrategies.Create(config.Strategy, CampaignRules.Space(config), config.Seed), CampaignRules.CostModel(config), DateTime.UtcNow);
        _state.ConfigJson = canonical;
        await RunAsync();
        log.LogInformation("Campaign {CampaignId} started: {Strategy}, budget {Budget}, trainer {Trainer}", Id, WireEnum.Name(config.Strategy.Kind), config.Budget.Candidates, WireEnum.Name(config.Trainer.Kind));
        return Status();
    }

    public Task<CampaignStatus> GetStatus() => Task.FromResult(Status());

    public Task<CandidateSummary[]> GetCandidates() => Task.FromResult(Committed.Rows);

    public Task<CandidateSummary[]> GetLeaderboard(int skip, int take)
    {
        var view = Committed;
        return Task.FromResult(view.Ranking.Skip(Math.Max(0, skip)).Take(Math.Max(0, take)).Select(n => view.Rows[n]).ToArray());
    }

    public Task<FinalReportView> GetFinalReport() => Task.FromResult(Committed.Final);

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

    public async Task<CampaignStatus> Resume()
    {
        if (Ledger.Resume(DateTime.UtcNow))
        {
            log.LogInformation("Campaign {CampaignId} resumed", Id);
        }

        if (Ledger.State == Domain.CampaignState.Running)
        {
            await RunAsync();
        }
        else
        {
            await SettleAsync(flush: true);
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

        var final = (finalJson is null ? ledger.Final ?? new FinalSettings() : WorkJson.Read<FinalSettings>(finalJson, "final settings")).Validate();
        var work = await PlanAsync(final, ledger.FoundCells());
        if (!ledger.StartFinal(work, final))
        {
            throw new UserErrorException($"campaign '{Id}' has no trained candidate to evaluate, or its final evaluation started meanwhile");
        }

        await RunAsync();
        log.LogInformation("Campaign {CampaignId}: final evaluation started ({Trainings} trainings)", Id, work.Count);
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
        return grant is null ? null : LedgerViews.Lease(Id, Records.CandidateId(grant.Number), _state.ConfigJson!, _config, _ledger, grant);
    }

    public Task<bool> Renew(string leaseId, int number, int epoch) =>
        Task.FromResult(_ledger?.Renew(leaseId, number, epoch, DateTime.UtcNow) ?? false);

    public async Task<LeaseAck> Complete(string leaseId, int number, TrainingReport report)
    {
        if (_ledger is null)
        {
            return LeaseAck.Stale;
        }

        switch (_ledger.Complete(leaseId, number, LedgerViews.ToResult(report), DateTime.UtcNow))
        {
            case ReportOutcome.Duplicate:
                // A retry after a lost answer: store again whatever the first attempt may not have stored (idempotent).
                var reusers = Enumerable.Range(0, _ledger.Entries.Count).Where(i => _ledger.Entries[i].CacheHitOf == number && _ledger.Entries[i].Status == Domain.CandidateStatus.Done);
                await Task.WhenAll(reusers.Append(number).Select(n => Records.Record(_ledger, n, report)).Append(_writer!.FlushAsync()));
                return LeaseAck.Duplicate;
            case ReportOutcome.Stale:
                log.LogWarning("Campaign {CampaignId} ignored a stale completion for candidate {CandidateId} (lease {LeaseId})", Id, Records.CandidateId(number), leaseId);
                await SettleAsync(flush: true);
                return LeaseAck.Stale;
        }

        // The candidates' results and the controller's table are stored concurrently; the trainer is answered once
        // both are (a failure is answered with an error, and the trainer's retry stores again, above).
        await SettleAsync(flush: true, report);
        var e = _ledger.Entries[number];
        log.LogInformation("Campaign {CampaignId} candidate {CandidateId} rung {Rung} done: accuracy {Accuracy:F4} by {Trainer} (attempt {Attempt})", Id, Records.CandidateId(number), e.Rung, e.Accuracy, report.TrainerId, e.Attempts);
        return LeaseAck.Accepted;
    }

    public async Task<LeaseAck> Fail(string leaseId, int number, string reason)
    {
        var outcome = _ledger?.Fail(leaseId, number, reason, DateTime.UtcNow) ?? ReportOutcome.Stale;
        log.LogWarning("Campaign {CampaignId} candidate {CandidateId}: {What} failure: {Reason}", Id, Records.CandidateId(number), outcome == ReportOutcome.Stale ? "ignored a stale" : "attempt", reason);
        await SettleAsync(flush: true);
        return outcome == ReportOutcome.Stale ? LeaseAck.Stale : LeaseAck.Accepted;
    }

    public async Task Release(string leaseId, int number)
    {
        if (_ledger?.Release(leaseId, number) == true)
        {
            _requeued = true;
            await SettleAsync(flush: true);
            log.LogInformation("Campaign {CampaignId} candidate {CandidateId} given back by a draining trainer", Id, Records.CandidateId(number));
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

    /// <summary>Stores the (re)started campaign, then drives it: reminder, broker registration, lease timer.</summary>
    private async Task RunAsync()
    {
        _writer!.Changed();
        await SettleAsync(flush: true);
        await Task.WhenAll(this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)), Broker.Register(Id, true));
        StartTimer();
    }

    /// <summary>Plans a final evaluation off the grain's scheduler (it counts parameters by building children).</summary>
    private Task<IReadOnlyList<FinalWork>> PlanAsync(FinalSettings final, IReadOnlyList<string> found)
    {
        var config = _config!;
        return Task.Run(() => CampaignRules.Planner(config, final).Plan(found));
    }

    /// <summary>The search ended and the config asks for a final evaluation: plan it, then queue it (once).</summary>
    private async Task StartFinalAsync()
    {
        if (_planning || _ledger is not { Final: { } final } ledger)
        {
            return;
        }

        _planning = true;
        try
        {
            var work = await PlanAsync(final, ledger.FoundCells());
            if (_ledger == ledger && ledger.StartFinal(work, final))
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
        var ended = events.Any(e => e.Kind == LedgerEventKind.Ended);
        _requeued |= events.Any(e => e.Kind == LedgerEventKind.Requeued);
        if (events.Any(e => e.Kind == LedgerEventKind.FinalDue))
        {
            _ = StartFinalAsync();
        }

        var work = Records.Apply(ledger, events, report);
        if (flush || ended)
        {
            work.Add(_writer!.FlushAsync());
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

    private async Task EndAsync()
    {
        var ledger = Ledger;
        StopTimer();
        await Broker.Register(Id, false);
        await UnregisterReminderAsync();
        if (ledger.Settings.Schedule.Promotes)
        {
            // Checkpoints kept for promotions that never came: nobody resumes them now.
            foreach (var n in Enumerable.Range(0, ledger.Entries.Count).Where(n => ledger.Entries[n] is { CacheHitOf: < 0, Final: null } e && e.Rung < ledger.Settings.Schedule.Rungs.Count - 1))
            {
                _ = Records.TryAsync(() => checkpoints.DeleteAsync(Records.CandidateId(n)), n, "checkpoint not deleted");
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

                await SettleAsync(flush: true);
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

    /// <summary>The one place the controller's state is stored: changed pages first, then the record that commits them.</summary>
    private async Task WriteAsync()
    {
        try
        {
            // One instant's state: the ledger's header and strategy bytes, and the changed pages (serialized now). The
            // pages are written first; the state that names them is the commit.
            var ledger = Ledger;
            var view = Snapshot();
            var header = _state.Copy();
            header.Header = LedgerJson.Write(ledger.Header);
            header.Strategy = ledger.Strategy.Save();
            header.Pages = await _pages!.WriteChangedAsync(ledger.Entries, _state.Pages);
            _stored.State = header;
            await _storage!.WriteStateAsync(StateName, this.GetGrainId(), _stored);
            _state.Pages = header.Pages; // committed
            _state.Header = header.Header;
            _pages.Committed();
            _committed = view;
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
        if (_ledger is { } ledger)
        {
            metrics.Publish(Id, LedgerViews.Gauges(ledger));
        }
    }

    /// <summary>The stored state's status, with the trainers' live activity (lease renewals are not stored).</summary>
    private CampaignStatus Status() => Committed.Status with { Trainers = LedgerViews.Trainers(Ledger, Records) };

    private CommittedView Snapshot() => LedgerViews.Snapshot(Id, _config!, Ledger, Records, RuntimeIdentity);

    private UserErrorException NoCampaign() => new($"no campaign '{Id}': see 'nasnet campaign list'");
}
