using Microsoft.Extensions.Logging;
using NasNet.Core;
using NasNet.Core.Campaigns;
using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;
using NasNet.Grains.Storage;
using NasNet.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;

namespace NasNet.Grains.Campaigns;

/// <summary>
/// The controller of one campaign. Reentrant: every state change happens synchronously between awaits, and an
/// acknowledgement is given only after the change is stored (group commit through <see cref="StateWriter"/>).
/// A timer re-queues expired leases; a reminder re-drives the controller after restarts until the campaign ends.
/// </summary>
[Reentrant]
public sealed class CampaignGrain(
    NasNetMetrics metrics,
    ILogger<CampaignGrain> log) : Grain, ICampaignGrain, IRemindable
{
    private const string ReminderName = "drive";
    private const string StateName = "campaign";
    private const int MovingAverageWindow = 20;

    private readonly Queue<int> _queue = new();
    private readonly HashSet<int> _running = [];
    private readonly Dictionary<int, List<int>> _waiters = [];
    private readonly GrainState<CampaignState> _stored = new(new CampaignState());
    private CampaignState _state = new();
    private List<CandidateEntry> _candidates = [];
    private readonly Dictionary<string, int> _byHash = [];
    private readonly Dictionary<int, string> _genotypes = []; // genotype JSON of candidates not finished yet (lease path) // canonical hash -> the candidate that trains it (cache hits)
    private List<double> _rewards = []; // in the order they were applied
    private IGrainStorage? _storage;
    private StateWriter? _writer;
    private CampaignPages? _pages;
    private CampaignConfig? _config;
    private ISearchStrategy? _strategy;
    private IGrainTimer? _timer;
    private int _done;
    private int _failed;
    private int _cacheHits;
    private bool _requeued;

    private string Id => this.GetPrimaryKeyString();

    private CampaignState S => _state;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _writer = new StateWriter(WriteAsync);
        _storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>("nasnet");
        _pages = new CampaignPages(_storage, this.GetGrainId());
        await _storage.ReadStateAsync(StateName, this.GetGrainId(), _stored);
        _state = (_stored.State ?? new CampaignState()).Copy();
        if (S.ConfigJson is not null)
        {
            _candidates = await _pages.LoadAsync(S.Pages);
            _config = CampaignConfig.Parse(S.ConfigJson);
            _strategy = S.Strategy is null
                ? SearchStrategies.Create(_config.Strategy, CellSearchSpace.Default, _config.Seed)
                : SearchStrategies.Restore(_config.Strategy, CellSearchSpace.Default, S.Strategy);
            Rebuild();
            if (S.State == CampaignStates.Running)
            {
                StartTimer();
                log.LogInformation("Campaign {CampaignId} reactivated: {Done} done, {Running} leased, {Pending} queued", Id, _done, _running.Count, _queue.Count);
            }
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.Remove(Id);
        _strategy?.Dispose();
        return Task.CompletedTask;
    }

    public async Task<CampaignStatus> Start(string configJson)
    {
        var config = CampaignConfig.Parse(configJson);
        var canonical = config.ToJson();
        if (S.ConfigJson is not null)
        {
            if (S.ConfigJson != canonical)
            {
                throw new UserErrorException($"campaign '{Id}' already exists with another config: choose another id");
            }

            return Status();
        }

        _config = config;
        _strategy = SearchStrategies.Create(config.Strategy, CellSearchSpace.Default, config.Seed);
        S.ConfigJson = canonical;
        S.State = CampaignStates.Running;
        S.StartedUtc = DateTime.UtcNow;
        Changed();
        await FlushAsync();
        StartTimer();
        await Task.WhenAll(this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)), Broker.Register(Id, true));
        log.LogInformation("Campaign {CampaignId} started: {Strategy}, budget {Budget}, trainer {Trainer}", Id, WireNames.Of(config.Strategy.Kind), config.Budget.Candidates, WireNames.Of(config.Trainer.Kind));
        return Status();
    }

    public Task<CampaignStatus> GetStatus()
    {
        if (S.ConfigJson is null)
        {
            throw new UserErrorException($"no campaign '{Id}': see 'nasnet campaign list'");
        }

        return Task.FromResult(Status());
    }

    public Task<CandidateSummary[]> GetCandidates() => Task.FromResult(_candidates
        .Select((e, i) => new CandidateSummary(i, CandidateId(i), e.Hash, e.Status, e.Reward, e.Attempts, e.CacheHitOf >= 0 ? CandidateId(e.CacheHitOf) : null, e.PolicyVersion))
        .ToArray());

    public async Task<CampaignStatus> Stop()
    {
        _ = await GetStatus();
        if (S.State != CampaignStates.Running)
        {
            return Status();
        }

        S.State = CampaignStates.Stopped;
        foreach (var n in _running.ToArray())
        {
            Requeue(n, penalty: false);
        }

        Changed();
        await FlushAsync();
        StopTimer();
        await Broker.Register(Id, false);
        Publish();
        log.LogInformation("Campaign {CampaignId} stopped", Id);
        return Status();
    }

    public async Task<CampaignStatus> Resume()
    {
        _ = await GetStatus();
        if (S.State is CampaignStates.Stopped or CampaignStates.Failed)
        {
            S.State = CampaignStates.Running;
            S.EndedUtc = null;
            Changed();
            await FlushAsync();
            log.LogInformation("Campaign {CampaignId} resumed", Id);
        }

        if (S.State == CampaignStates.Running)
        {
            await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            await Broker.Register(Id, true);
            StartTimer();
            await CheckCompletionAsync();
        }

        return Status();
    }

    public async Task<Lease?> TryLease(string trainerId)
    {
        if (S.State != CampaignStates.Running || _config is null || _strategy is null)
        {
            return null;
        }

        if (_config.Budget.MaxConcurrent > 0 && _running.Count >= _config.Budget.MaxConcurrent)
        {
            return null;
        }

        while (_queue.Count == 0 && _candidates.Count < _config.Budget.Candidates && S.State == CampaignStates.Running)
        {
            await ProposeAsync();
        }

        if (_queue.Count == 0 || S.State != CampaignStates.Running)
        {
            await CheckCompletionAsync();
            return null;
        }

        var n = _queue.Dequeue();
        var e = _candidates[n];
        e.Status = CandidateStatuses.Training;
        e.Attempts++;
        e.LeaseId = Guid.NewGuid().ToString("N");
        e.TrainerId = trainerId;
        e.LeasedUtc = DateTime.UtcNow;
        e.ExpiresUtc = DateTime.UtcNow.AddSeconds(_config.Lease.Seconds);
        e.Epoch = 0;
        e.Epochs = _config.Child.Epochs;
        _running.Add(n);
        var leaseId = e.LeaseId;
        Changed(n);
        // Nothing is stored on the lease path. The grant rides on the next write: a controller lost before then reloads
        // the candidate as pending and leases it again; the first trainer's report is then stale and ignored, and the
        // new one resumes from the candidate's checkpoint. The candidate grain learns of the lease in the background.
        string genotype;
        try
        {
            genotype = _genotypes.TryGetValue(n, out var json) ? json : e.PendingInit ?? (await Candidate(n).Get()).GenotypeJson;
        }
        catch
        {
            // The lease never reached a trainer: it is no attempt.
            if (e.LeaseId == leaseId && e.Status == CandidateStatuses.Training)
            {
                Requeue(n, penalty: false);
                Changed();
            }

            throw;
        }

        Publish();
        if (e.LeaseId == leaseId)
        {
            _ = MarkTrainingAsync(n, trainerId, e.Attempts);
        }

        return e.LeaseId == leaseId
            ? new Lease(leaseId, Id, n, CandidateId(n), genotype, S.ConfigJson!, e.Attempts, _config.Seed * 1_000_003 + n, _config.Lease.Seconds)
            : null;
    }

    public Task<bool> Renew(string leaseId, int number, int epoch, int epochs)
    {
        if (!IsCurrent(leaseId, number))
        {
            return Task.FromResult(false);
        }

        var e = _candidates[number];
        e.ExpiresUtc = DateTime.UtcNow.AddSeconds(_config!.Lease.Seconds);
        e.Epoch = epoch;
        e.Epochs = epochs;
        return Task.FromResult(true);
    }

    public async Task<LeaseAck> Complete(string leaseId, int number, TrainingReport report)
    {
        if (number >= 0 && number < _candidates.Count && _candidates[number] is { Status: CandidateStatuses.Done } d && d.LeaseId == leaseId)
        {
            // A retry after a lost answer: store again whatever the first attempt may not have stored (idempotent).
            var reusers = Enumerable.Range(0, _candidates.Count).Where(i => _candidates[i].CacheHitOf == number && _candidates[i].Status == CandidateStatuses.Done);
            await Task.WhenAll(reusers.Select(x => RecordAsync(x, report, d.Reward, CandidateId(number))).Append(RecordAsync(number, report, d.Reward, null)).Append(FlushAsync()));
            return LeaseAck.Duplicate;
        }

        if (!IsCurrent(leaseId, number))
        {
            return await StaleAsync(leaseId, number, "completion");
        }

        var reward = RewardOf(report);
        var e = _candidates[number];
        _running.Remove(number);
        _genotypes.Remove(number);
        e.Status = CandidateStatuses.Done;
        e.Epoch = report.Epochs;
        _done++;
        if (report.ResumedFromEpoch > 0)
        {
            S.Resumes++;
        }

        ApplyReward(number, reward);
        if (S.Best < 0 || reward > _candidates[S.Best].Reward)
        {
            S.Best = number;
        }

        var waiters = _waiters.Remove(number, out var w) ? w : [];
        foreach (var waiter in waiters)
        {
            var we = _candidates[waiter];
            we.Status = CandidateStatuses.Done;
            _genotypes.Remove(waiter);
            _done++;
            _cacheHits++;
            ApplyReward(waiter, reward);
            Changed(waiter);
        }

        Changed(number);
        // The candidates' results and the controller's table are stored concurrently; the trainer is answered once
        // both are (a failure is answered with an error, and the trainer's retry stores again, above).
        await Task.WhenAll(waiters.Select(x => RecordAsync(x, report, reward, CandidateId(number))).Append(RecordAsync(number, report, reward, null)).Append(CompleteAndFlushAsync()));
        Publish();
        log.LogInformation("Campaign {CampaignId} candidate {CandidateId} done: reward {Reward:F4} by {Trainer} (attempt {Attempt})", Id, CandidateId(number), reward, report.TrainerId, e.Attempts);
        return LeaseAck.Accepted;
    }

    private async Task RecordAsync(int n, TrainingReport report, double reward, string? cacheHitOf)
    {
        await EnsureInitAsync(n);
        await Candidate(n).RecordResult(report, reward, cacheHitOf);
    }

    private async Task CompleteAndFlushAsync()
    {
        await CheckCompletionAsync();
        await FlushAsync();
    }

    public async Task<LeaseAck> Fail(string leaseId, int number, string reason)
    {
        if (!IsCurrent(leaseId, number))
        {
            return await StaleAsync(leaseId, number, "failure");
        }

        log.LogWarning("Campaign {CampaignId} candidate {CandidateId} attempt {Attempt} failed: {Reason}", Id, CandidateId(number), _candidates[number].Attempts, reason);
        await FailOrRequeueAsync(number, reason);
        await FlushAsync();
        await WakeTrainersAsync();
        return LeaseAck.Accepted;
    }

    public async Task Release(string leaseId, int number)
    {
        if (IsCurrent(leaseId, number))
        {
            Requeue(number, penalty: false);
            Changed();
            await FlushAsync();
            await WakeTrainersAsync();
            log.LogInformation("Campaign {CampaignId} candidate {CandidateId} given back by a draining trainer", Id, CandidateId(number));
        }
    }

    public async Task Wake()
    {
        if (S.State == CampaignStates.Running)
        {
            StartTimer();
            await CheckCompletionAsync();
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (S.State == CampaignStates.Running)
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

    private bool IsCurrent(string leaseId, int number) =>
        number >= 0 && number < _candidates.Count && _candidates[number] is { Status: CandidateStatuses.Training } e && e.LeaseId == leaseId;

    private async Task<LeaseAck> StaleAsync(string leaseId, int number, string what)
    {
        S.StaleReports++;
        Changed();
        log.LogWarning("Campaign {CampaignId} ignored a stale {What} for candidate {CandidateId} (lease {LeaseId})", Id, what, CandidateId(number), leaseId);
        await FlushAsync();
        return LeaseAck.Stale;
    }

    private double RewardOf(TrainingReport r)
    {
        if (r.Outcome == "Diverged")
        {
            return 0;
        }

        return _config!.Cost.MaxParams > 0 && r.Params > _config.Cost.MaxParams ? 0 : r.ValidationAccuracy;
    }

    /// <summary>Applies a candidate's reward to the strategy, once.</summary>
    private void ApplyReward(int n, double reward)
    {
        var e = _candidates[n];
        e.Reward = reward;
        if (!e.RewardApplied)
        {
            e.RewardApplied = true;
            _strategy!.Observe(e.SampleId, reward);
            e.RewardSeq = _rewards.Count;
            _rewards.Add(reward);
        }
    }

    private async Task ProposeAsync()
    {
        var p = _strategy!.Propose();
        var hash = p.Genotype.Hash;
        var n = _candidates.Count;
        var e = new CandidateEntry { Hash = hash, SampleId = p.SampleId, PolicyVersion = p.PolicyVersion, PendingInit = GenotypeJson.SerializeCompact(p.Genotype) };
        _candidates.Add(e);
        var source = -1;
        if (_byHash.TryGetValue(hash, out var s) && _candidates[s].Status != CandidateStatuses.Failed)
        {
            source = s;
            e.CacheHitOf = source;
            var se = _candidates[source];
            if (se.Status == CandidateStatuses.Done)
            {
                e.Status = CandidateStatuses.Done;
                _done++;
                _cacheHits++;
                ApplyReward(n, se.Reward);
            }
            else
            {
                Wait(source, n);
            }
        }
        else
        {
            _byHash[hash] = n;
            _queue.Enqueue(n);
        }

        Changed(n);
        if (source < 0 || e.Status != CandidateStatuses.Done)
        {
            _genotypes[n] = e.PendingInit!;
            _ = InitInBackgroundAsync(n);
            return;
        }

        try
        {
            await EnsureInitAsync(n);
            if ((await Candidate(source).Get()).Result is { } r)
            {
                await Candidate(n).RecordResult(r, e.Reward, CandidateId(source));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Retried when the candidate is leased (its genotype stays in the entry until then).
            log.LogWarning("Campaign {CampaignId} candidate {CandidateId} not initialised yet: {Error}", Id, CandidateId(n), ex.Message);
        }
    }

    /// <summary>Initialises a new candidate's grain off the lease path (retried at lease and completion if it fails).</summary>
    private async Task InitInBackgroundAsync(int n)
    {
        try
        {
            await EnsureInitAsync(n);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            log.LogWarning("Campaign {CampaignId} candidate {CandidateId} not initialised yet: {Error}", Id, CandidateId(n), ex.Message);
        }
    }

    /// <summary>Tells the candidate grain it is being trained (informational: the controller's table decides).</summary>
    private async Task MarkTrainingAsync(int n, string trainerId, int attempt)
    {
        try
        {
            await EnsureInitAsync(n);
            await Candidate(n).MarkTraining(trainerId, attempt);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            log.LogDebug("Campaign {CampaignId} candidate {CandidateId} not told of its lease: {Error}", Id, CandidateId(n), ex.Message);
        }
    }

    /// <summary>Gives the candidate grain its genotype if it does not have it yet.</summary>
    private async Task EnsureInitAsync(int n)
    {
        var e = _candidates[n];
        if (e.PendingInit is { } json)
        {
            await Candidate(n).Init(new CandidateInit(Id, n, e.Hash, json, e.PolicyVersion));
            e.PendingInit = null;
            Changed(n);
        }
    }

    private void Wait(int source, int waiter)
    {
        if (!_waiters.TryGetValue(source, out var list))
        {
            _waiters[source] = list = [];
        }

        list.Add(waiter);
    }

    private void Requeue(int n, bool penalty)
    {
        var e = _candidates[n];
        _running.Remove(n);
        e.Status = CandidateStatuses.Pending;
        e.LeaseId = null;
        e.TrainerId = null;
        if (!penalty)
        {
            e.Attempts = Math.Max(0, e.Attempts - 1);
        }

        _queue.Enqueue(n);
        _requeued = true;
        Changed(n);
    }

    private async Task FailOrRequeueAsync(int n, string reason)
    {
        var e = _candidates[n];
        if (e.Attempts < _config!.Lease.MaxAttempts)
        {
            Requeue(n, penalty: true);
            Changed();
            await Candidate(n).MarkPending(reason);
            return;
        }

        _running.Remove(n);
        _genotypes.Remove(n);
        e.Status = CandidateStatuses.Failed;
        e.LeaseId = null;
        _failed++;
        // Never rewarded: the strategy forgets the proposal (no reward enters the history or the policy).
        e.Reward = 0;
        e.RewardApplied = true;
        _strategy!.Discard(e.SampleId);
        // Candidates waiting on this one's result train themselves instead.
        if (_waiters.Remove(n, out var waiters))
        {
            foreach (var w in waiters)
            {
                _candidates[w].CacheHitOf = -1;
                _byHash[_candidates[w].Hash] = w;
                _queue.Enqueue(w);
                Changed(w);
            }
        }

        Changed(n);
        await Candidate(n).MarkFailed(reason);
        await CheckCompletionAsync();
    }

    private async Task CheckCompletionAsync()
    {
        if (S.State != CampaignStates.Running || _config is null || _candidates.Count < _config.Budget.Candidates ||
            _done + _failed < _candidates.Count)
        {
            return;
        }

        S.State = CampaignStates.Completed;
        S.EndedUtc = DateTime.UtcNow;
        Changed();
        await FlushAsync();
        StopTimer();
        await Broker.Register(Id, false);
        await UnregisterReminderAsync();
        Publish();
        log.LogInformation("Campaign {CampaignId} completed: {Done} done, {Failed} failed, best {Best:F4}", Id, _done, _failed, S.Best >= 0 ? _candidates[S.Best].Reward : 0);
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

    private async Task ExpireLeasesAsync()
    {
        var now = DateTime.UtcNow;
        foreach (var n in _running.Where(n => _candidates[n].ExpiresUtc < now).ToArray())
        {
            if (!_running.Contains(n) || _candidates[n].ExpiresUtc >= now)
            {
                continue;
            }

            log.LogWarning("Campaign {CampaignId} lease on candidate {CandidateId} held by {Trainer} expired", Id, CandidateId(n), _candidates[n].TrainerId);
            await FailOrRequeueAsync(n, $"lease expired (trainer {_candidates[n].TrainerId})");
        }

        if (_writer!.Dirty)
        {
            await FlushAsync();
            Publish();
        }

        await WakeTrainersAsync();

        await CheckCompletionAsync();
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
                await ExpireLeasesAsync();
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

    private void Rebuild()
    {
        _queue.Clear();
        _running.Clear();
        _waiters.Clear();
        _done = _failed = _cacheHits = 0;
        _byHash.Clear();
        S.Best = -1;
        _rewards = _candidates.Where(e => e.RewardSeq >= 0).OrderBy(e => e.RewardSeq).Select(e => e.Reward).ToList();
        var now = DateTime.UtcNow;
        for (var n = 0; n < _candidates.Count; n++)
        {
            var e = _candidates[n];
            if (e.CacheHitOf < 0)
            {
                _byHash[e.Hash] = n; // the latest candidate that trains a hash itself (an earlier one failed)
            }

            switch (e.Status)
            {
                case CandidateStatuses.Done:
                    if (e.CacheHitOf < 0 && (S.Best < 0 || e.Reward > _candidates[S.Best].Reward))
                    {
                        S.Best = n;
                    }

                    _done++;
                    _cacheHits += e.CacheHitOf >= 0 ? 1 : 0;
                    break;
                case CandidateStatuses.Failed:
                    _failed++;
                    break;
                case CandidateStatuses.Training:
                    // Leases survive a controller restart: the holder may still be training and renew.
                    e.ExpiresUtc = now.AddSeconds(_config!.Lease.Seconds);
                    _running.Add(n);
                    break;
                default:
                    if (e.CacheHitOf >= 0)
                    {
                        Wait(e.CacheHitOf, n);
                    }
                    else
                    {
                        _queue.Enqueue(n);
                    }

                    break;
            }
        }

        Publish();
    }

    private void Changed() => _writer!.Changed();

    /// <summary>Tells the broker when work went back to the queue, so waiting trainers take it at once.</summary>
    private async Task WakeTrainersAsync()
    {
        if (_requeued && S.State == CampaignStates.Running)
        {
            _requeued = false;
            await Broker.WorkAvailable();
        }
    }

    /// <summary>Records a change of candidate <paramref name="n"/>'s entry (its page is written with the next flush).</summary>
    private void Changed(int n)
    {
        _pages!.Touch(n);
        _writer!.Changed();
    }

    private Task FlushAsync() => _writer!.FlushAsync();

    private async Task WriteAsync()
    {
        try
        {
            // One instant's state: the controller's fields and strategy bytes, and the changed pages (copied now). The
            // pages are written first; the state that names them is the commit.
            var header = S.Copy();
            header.Strategy = _strategy?.Save() ?? S.Strategy;
            header.Pages = await _pages!.WriteChangedAsync(_candidates, S.Pages);
            _stored.State = header;
            await _storage!.WriteStateAsync(StateName, this.GetGrainId(), _stored);
            S.Pages = header.Pages; // committed
            _pages.Committed();
        }
        catch (Exception ex)
        {
            _pages!.TouchAll(_candidates.Count); // not committed: a retry stores every page again
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
        if (_config is null)
        {
            return;
        }

        var pending = _candidates.Count - _done - _failed - _running.Count + (_config.Budget.Candidates - _candidates.Count);
        metrics.Publish(Id, new CampaignGauges(
            S.State == CampaignStates.Running ? pending : 0, _running.Count, _done, _failed, _cacheHits,
            S.Best >= 0 ? _candidates[S.Best].Reward : 0, _strategy?.PolicyVersion ?? 0, S.State == CampaignStates.Running));
    }

    private CampaignStatus Status()
    {
        var config = _config!;
        var proposed = _candidates.Count;
        var best = S.Best >= 0 ? _candidates[S.Best] : null;
        var recent = _rewards.Skip(Math.Max(0, _rewards.Count - MovingAverageWindow)).ToArray();
        var trainers = _running.Select(n => (n, e: _candidates[n]))
            .Select(x => new TrainerActivity(x.e.TrainerId ?? "?", CandidateId(x.n), x.e.Epoch, x.e.Epochs, x.e.LeasedUtc))
            .OrderBy(t => t.TrainerId, StringComparer.Ordinal).ToArray();
        return new CampaignStatus(
            Id, config.Name, S.State, WireNames.Of(config.Strategy.Kind), config.Budget.Candidates, proposed, _done, _failed,
            proposed - _done - _failed - _running.Count + (config.Budget.Candidates - proposed), _running.Count, _cacheHits,
            _strategy?.PolicyVersion ?? 0, _strategy?.RewardsApplied ?? 0, best?.Reward, best?.Hash,
            S.Best >= 0 ? CandidateId(S.Best) : null, recent.Length == 0 ? 0 : recent.Average(), S.StartedUtc, S.EndedUtc,
            trainers, S.Error, S.Resumes, S.StaleReports, RuntimeIdentity);
    }
}
