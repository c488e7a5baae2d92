using Microsoft.Extensions.Logging;
using NasNet.Core;
using NasNet.Core.Campaigns;
using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;
using NasNet.Grains.Storage;
using NasNet.Grains.Telemetry;
using Orleans.Runtime;

namespace NasNet.Grains.Campaigns;

/// <summary>
/// The controller of one campaign. Reentrant: every state change happens synchronously between awaits, and an
/// acknowledgement is given only after the change is stored (group commit through <see cref="StateWriter"/>).
/// A timer re-queues expired leases; a reminder re-drives the controller after restarts until the campaign ends.
/// </summary>
[Reentrant]
public sealed class CampaignGrain(
    [PersistentState("campaign", "nasnet")] IPersistentState<CampaignState> state,
    NasNetMetrics metrics,
    ILogger<CampaignGrain> log) : Grain, ICampaignGrain, IRemindable
{
    private const string ReminderName = "drive";
    private const int MovingAverageWindow = 20;

    private readonly Queue<int> _queue = new();
    private readonly HashSet<int> _running = [];
    private readonly Dictionary<int, List<int>> _waiters = [];
    private StateWriter? _writer;
    private CampaignConfig? _config;
    private ISearchStrategy? _strategy;
    private IGrainTimer? _timer;
    private int _done;
    private int _failed;
    private int _cacheHits;

    private string Id => this.GetPrimaryKeyString();

    private CampaignState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _writer = new StateWriter(WriteAsync);
        if (S.ConfigJson is not null)
        {
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

        return Task.CompletedTask;
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
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await Broker.Register(Id, true);
        StartTimer();
        log.LogInformation("Campaign {CampaignId} started: {Strategy}, budget {Budget}, trainer {Trainer}", Id, config.Strategy.Kind, config.Budget.Candidates, config.Trainer.Kind);
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

    public Task<CandidateSummary[]> GetCandidates() => Task.FromResult(S.Candidates
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

        while (_queue.Count == 0 && S.Candidates.Count < _config.Budget.Candidates && S.State == CampaignStates.Running)
        {
            await ProposeAsync();
        }

        if (_queue.Count == 0 || S.State != CampaignStates.Running)
        {
            await CheckCompletionAsync();
            return null;
        }

        var n = _queue.Dequeue();
        var e = S.Candidates[n];
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
        Changed();
        string genotype;
        try
        {
            await EnsureInitAsync(n);
            genotype = await Candidate(n).MarkTraining(trainerId, e.Attempts);
            // The grant itself is not stored before answering (it rides on the next write): a controller lost before
            // then reloads the candidate as pending and leases it again; the first trainer's report is then stale and
            // ignored, and the new one resumes from the candidate's checkpoint. Storing every grant cost a whole-state
            // write per lease (bench/RESULTS.md, Cluster).
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

        var e = S.Candidates[number];
        e.ExpiresUtc = DateTime.UtcNow.AddSeconds(_config!.Lease.Seconds);
        e.Epoch = epoch;
        e.Epochs = epochs;
        return Task.FromResult(true);
    }

    public async Task<LeaseAck> Complete(string leaseId, int number, TrainingReport report)
    {
        if (number >= 0 && number < S.Candidates.Count && S.Candidates[number] is { Status: CandidateStatuses.Done } d && d.LeaseId == leaseId)
        {
            await FlushAsync();
            return LeaseAck.Duplicate;
        }

        if (!IsCurrent(leaseId, number))
        {
            return await StaleAsync(leaseId, number, "completion");
        }

        var reward = RewardOf(report);
        await Candidate(number).RecordResult(report, reward, null);
        var e = S.Candidates[number];
        if (e.Status == CandidateStatuses.Done && e.LeaseId == leaseId)
        {
            await FlushAsync();
            return LeaseAck.Duplicate;
        }

        if (!IsCurrent(leaseId, number))
        {
            return await StaleAsync(leaseId, number, "completion");
        }

        _running.Remove(number);
        e.Status = CandidateStatuses.Done;
        e.Epoch = report.Epochs;
        _done++;
        if (report.ResumedFromEpoch > 0)
        {
            S.Resumes++;
        }

        ApplyReward(number, reward);
        if (S.Best < 0 || reward > S.Candidates[S.Best].Reward)
        {
            S.Best = number;
        }

        var waiters = _waiters.Remove(number, out var w) ? w : [];
        foreach (var waiter in waiters)
        {
            var we = S.Candidates[waiter];
            we.Status = CandidateStatuses.Done;
            _done++;
            _cacheHits++;
            ApplyReward(waiter, reward);
        }

        Changed();
        await Task.WhenAll(waiters.Select(async x =>
        {
            await EnsureInitAsync(x);
            await Candidate(x).RecordResult(report, reward, CandidateId(number));
        }));
        await CheckCompletionAsync();
        await FlushAsync();
        Publish();
        log.LogInformation("Campaign {CampaignId} candidate {CandidateId} done: reward {Reward:F4} by {Trainer} (attempt {Attempt})", Id, CandidateId(number), reward, report.TrainerId, e.Attempts);
        return LeaseAck.Accepted;
    }

    public async Task<LeaseAck> Fail(string leaseId, int number, string reason)
    {
        if (!IsCurrent(leaseId, number))
        {
            return await StaleAsync(leaseId, number, "failure");
        }

        log.LogWarning("Campaign {CampaignId} candidate {CandidateId} attempt {Attempt} failed: {Reason}", Id, CandidateId(number), S.Candidates[number].Attempts, reason);
        await FailOrRequeueAsync(number, reason);
        await FlushAsync();
        return LeaseAck.Accepted;
    }

    public async Task Release(string leaseId, int number)
    {
        if (IsCurrent(leaseId, number))
        {
            Requeue(number, penalty: false);
            Changed();
            await FlushAsync();
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
        number >= 0 && number < S.Candidates.Count && S.Candidates[number] is { Status: CandidateStatuses.Training } e && e.LeaseId == leaseId;

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
        var e = S.Candidates[n];
        e.Reward = reward;
        if (!e.RewardApplied)
        {
            e.RewardApplied = true;
            _strategy!.Observe(e.SampleId, reward);
            S.Rewards.Add(reward);
        }
    }

    private async Task ProposeAsync()
    {
        var p = _strategy!.Propose();
        var hash = p.Genotype.Hash;
        var n = S.Candidates.Count;
        var e = new CandidateEntry { Hash = hash, SampleId = p.SampleId, PolicyVersion = p.PolicyVersion, PendingInit = GenotypeJson.SerializeCompact(p.Genotype) };
        S.Candidates.Add(e);
        var source = -1;
        if (S.ByHash.TryGetValue(hash, out var s) && S.Candidates[s].Status != CandidateStatuses.Failed)
        {
            source = s;
            e.CacheHitOf = source;
            var se = S.Candidates[source];
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
            S.ByHash[hash] = n;
            _queue.Enqueue(n);
        }

        Changed();
        try
        {
            await EnsureInitAsync(n);
            if (source >= 0 && e.Status == CandidateStatuses.Done && (await Candidate(source).Get()).Result is { } r)
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

    /// <summary>Gives the candidate grain its genotype if it does not have it yet.</summary>
    private async Task EnsureInitAsync(int n)
    {
        var e = S.Candidates[n];
        if (e.PendingInit is { } json)
        {
            await Candidate(n).Init(new CandidateInit(Id, n, e.Hash, json, e.PolicyVersion));
            e.PendingInit = null;
            Changed();
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
        var e = S.Candidates[n];
        _running.Remove(n);
        e.Status = CandidateStatuses.Pending;
        e.LeaseId = null;
        e.TrainerId = null;
        if (!penalty)
        {
            e.Attempts = Math.Max(0, e.Attempts - 1);
        }

        _queue.Enqueue(n);
    }

    private async Task FailOrRequeueAsync(int n, string reason)
    {
        var e = S.Candidates[n];
        if (e.Attempts < _config!.Lease.MaxAttempts)
        {
            Requeue(n, penalty: true);
            Changed();
            await Candidate(n).MarkPending(reason);
            return;
        }

        _running.Remove(n);
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
                S.Candidates[w].CacheHitOf = -1;
                S.ByHash[S.Candidates[w].Hash] = w;
                _queue.Enqueue(w);
            }
        }

        Changed();
        await Candidate(n).MarkFailed(reason);
        await CheckCompletionAsync();
    }

    private async Task CheckCompletionAsync()
    {
        if (S.State != CampaignStates.Running || _config is null || S.Candidates.Count < _config.Budget.Candidates ||
            _done + _failed < S.Candidates.Count)
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
        log.LogInformation("Campaign {CampaignId} completed: {Done} done, {Failed} failed, best {Best:F4}", Id, _done, _failed, S.Best >= 0 ? S.Candidates[S.Best].Reward : 0);
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
        foreach (var n in _running.Where(n => S.Candidates[n].ExpiresUtc < now).ToArray())
        {
            if (!_running.Contains(n) || S.Candidates[n].ExpiresUtc >= now)
            {
                continue;
            }

            log.LogWarning("Campaign {CampaignId} lease on candidate {CandidateId} held by {Trainer} expired", Id, CandidateId(n), S.Candidates[n].TrainerId);
            await FailOrRequeueAsync(n, $"lease expired (trainer {S.Candidates[n].TrainerId})");
        }

        if (_writer!.Dirty)
        {
            await FlushAsync();
            Publish();
        }

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
        var now = DateTime.UtcNow;
        for (var n = 0; n < S.Candidates.Count; n++)
        {
            var e = S.Candidates[n];
            switch (e.Status)
            {
                case CandidateStatuses.Done:
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

    private Task FlushAsync() => _writer!.FlushAsync();

    private async Task WriteAsync()
    {
        if (_strategy is not null)
        {
            S.Strategy = _strategy.Save();
        }

        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
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

        var pending = S.Candidates.Count - _done - _failed - _running.Count + (_config.Budget.Candidates - S.Candidates.Count);
        metrics.Publish(Id, new CampaignGauges(
            S.State == CampaignStates.Running ? pending : 0, _running.Count, _done, _failed, _cacheHits,
            S.Best >= 0 ? S.Candidates[S.Best].Reward : 0, _strategy?.PolicyVersion ?? 0, S.State == CampaignStates.Running));
    }

    private CampaignStatus Status()
    {
        var config = _config!;
        var proposed = S.Candidates.Count;
        var best = S.Best >= 0 ? S.Candidates[S.Best] : null;
        var recent = S.Rewards.Skip(Math.Max(0, S.Rewards.Count - MovingAverageWindow)).ToArray();
        var trainers = _running.Select(n => (n, e: S.Candidates[n]))
            .Select(x => new TrainerActivity(x.e.TrainerId ?? "?", CandidateId(x.n), x.e.Epoch, x.e.Epochs, x.e.LeasedUtc))
            .OrderBy(t => t.TrainerId, StringComparer.Ordinal).ToArray();
        return new CampaignStatus(
            Id, config.Name, S.State, config.Strategy.Kind, config.Budget.Candidates, proposed, _done, _failed,
            proposed - _done - _failed - _running.Count + (config.Budget.Candidates - proposed), _running.Count, _cacheHits,
            _strategy?.PolicyVersion ?? 0, _strategy?.RewardsApplied ?? 0, best?.Reward, best?.Hash,
            S.Best >= 0 ? CandidateId(S.Best) : null, recent.Length == 0 ? 0 : recent.Average(), S.StartedUtc, S.EndedUtc,
            trainers, S.Error, S.Resumes, S.StaleReports, RuntimeIdentity);
    }
}
