using NasNet.Core.Controller;

namespace NasNet.Core.Campaigns;

/// <summary>What the owner of a ledger must tell the rest of the system after a call (the ledger itself does no I/O).</summary>
public enum LedgerEventKind
{
    /// <summary>A new candidate: create its record (the architecture is in its entry).</summary>
    Added,

    /// <summary>A result was recorded for <see cref="LedgerEvent.Number"/>: its own report, or a cache hit of <see cref="LedgerEvent.Source"/>.</summary>
    Finished,

    /// <summary>An attempt failed and the candidate went back to the queue.</summary>
    Requeued,

    /// <summary>The candidate failed for good.</summary>
    Failed,

    /// <summary>The candidate was rejected by a cost limit before training.</summary>
    Rejected,

    /// <summary>The campaign ended (completed or failed).</summary>
    Ended,

    /// <summary>The search ended and its final evaluation is due: plan it (<see cref="CandidateLedger.FoundCells"/>) and call <see cref="CandidateLedger.StartFinal"/>.</summary>
    FinalDue,
}

/// <summary>One thing a ledger call changed that the owner carries out (store a result, mark a failure, end timers).</summary>
public readonly record struct LedgerEvent(LedgerEventKind Kind, int Number, int Source = -1, string? Reason = null);

/// <summary>
/// The rules of one campaign, with no I/O and no Orleans: proposing through the search strategy, cost rejection before
/// training, cache hits (an architecture already trained, or in training, is not trained again) and their waiters,
/// leases (grant, renew, expire and re-queue, give back), attempts and failure after <c>maxAttempts</c>,
/// <c>maxConcurrent</c>, ASHA rungs and promotions, the reward applied to the strategy exactly once, and the
/// campaign's end (completed, or failed when it cannot make progress). The owner (the controller grain) serialises
/// calls, persists <see cref="Entries"/> (by <see cref="TakeChanged"/>) and <see cref="Header"/>, and carries out the
/// events of <see cref="TakeEvents"/>. Time is always passed in, so every rule is testable without a clock.
/// </summary>
public sealed class CandidateLedger : IDisposable
{
    /// <summary>Trained candidates that fail for good before any succeeds, after which the campaign fails.</summary>
    public const int FailFastAfter = 3;

    private const int MovingAverageWindow = 20;

    private readonly List<CandidateEntry> _entries;
    private readonly Queue<int> _queue = new();
    private readonly HashSet<int> _running = [];
    private readonly Dictionary<int, List<int>> _waiters = [];
    private readonly Dictionary<string, int> _byHash = []; // canonical hash -> the candidate that trains it
    private readonly List<double> _rewards = []; // in the order they were applied
    private readonly HashSet<int> _changed = [];
    private readonly List<LedgerEvent> _events = [];
    private readonly ICostModel? _costModel;
    private LedgerHeader _header;
    private bool _headerChanged;
    private int _failStreak; // candidates failed for good in a row since the start, a resume or a restart
    private string? _lastFailure;

    private CandidateLedger(LedgerSettings settings, ISearchStrategy strategy, ICostModel? costModel, LedgerHeader header, List<CandidateEntry> entries)
    {
        Settings = settings;
        Strategy = strategy;
        _costModel = costModel;
        _header = header;
        _entries = entries;
    }

    /// <summary>The campaign's rules.</summary>
    public LedgerSettings Settings { get; }

    /// <summary>The search strategy (owned: disposed with the ledger).</summary>
    public ISearchStrategy Strategy { get; }

    /// <summary>Every candidate, in order of proposal.</summary>
    public IReadOnlyList<CandidateEntry> Entries => _entries;

    /// <summary>The campaign-wide fields to store.</summary>
    public LedgerHeader Header => _header;

    public CampaignState State => _header.State;

    public int Done { get; private set; }

    public int Failed { get; private set; }

    public int Rejected { get; private set; }

    public int CacheHits { get; private set; }

    /// <summary>Final-evaluation trainings done and failed.</summary>
    public (int Done, int Failed, int Total) FinalProgress { get; private set; }

    /// <summary>The final evaluation's settings: as started, else the config's (null: none).</summary>
    public FinalSettings? Final => _header.Final ?? Settings.Final;

    /// <summary>The final evaluation's table so far (empty before it starts).</summary>
    public FinalReport FinalReport => FinalReport.From(_entries);

    /// <summary>Candidates leased now.</summary>
    public int Running => _running.Count;

    /// <summary>Work not started: queued candidates and proposals still in the budget.</summary>
    public int Pending => _queue.Count + (_header.FinalStarted ? 0 : Math.Max(0, Settings.Candidates - SearchEntries));

    /// <summary>The leader (highest rung, then objective), or -1.</summary>
    public int Best { get; private set; } = -1;

    /// <summary>Epochs trained by every accepted result, resumed work counted once.</summary>
    public long EpochsTrained { get; private set; }

    /// <summary>Mean of the last rewards applied.</summary>
    public double RewardMovingAverage => _rewards.Count == 0 ? 0 : _rewards.Skip(Math.Max(0, _rewards.Count - MovingAverageWindow)).Average();

    /// <summary>Rewards in the order they were applied.</summary>
    public IReadOnlyList<double> Rewards => _rewards;

    /// <summary>The numbers of the candidates leased now.</summary>
    public IEnumerable<int> RunningNumbers => _running;

    /// <summary>A new campaign.</summary>
    public static CandidateLedger Start(LedgerSettings settings, ISearchStrategy strategy, ICostModel? costModel, DateTime now) =>
        new(settings, strategy, costModel, new LedgerHeader { State = CampaignState.Running, StartedUtc = now }, []) { _headerChanged = true };

    /// <summary>
    /// A campaign rebuilt from what was stored: queue, running leases (they survive a controller restart: the holder
    /// may still be training, so each gets a fresh expiry), waiters, the hash index, counters and the leader.
    /// </summary>
    public static CandidateLedger Restore(LedgerSettings settings, ISearchStrategy strategy, ICostModel? costModel, LedgerHeader header, IEnumerable<CandidateEntry> entries, DateTime now)
    {
        var ledger = new CandidateLedger(settings, strategy, costModel, header, entries.ToList());
        ledger.Rebuild(now);
        return ledger;
    }

    public void Dispose() => Strategy.Dispose();

    /// <summary>The entries changed since the last call (their pages must be stored), and whether the header changed.</summary>
    public (IReadOnlyCollection<int> Entries, bool Header) TakeChanged()
    {
        var changed = (_changed.ToArray(), _headerChanged);
        _changed.Clear();
        _headerChanged = false;
        return changed;
    }

    /// <summary>What the owner must carry out, in order.</summary>
    public IReadOnlyList<LedgerEvent> TakeEvents()
    {
        var events = _events.ToArray();
        _events.Clear();
        return events;
    }

    /// <summary>
    /// A lease for <paramref name="trainerId"/>: re-queued work first, then an ASHA promotion, then a new proposal
    /// (rejected and cache-hit proposals are settled on the way); null when the campaign is not running, is at
    /// <c>maxConcurrent</c>, or has nothing to hand out now.
    /// </summary>
    public LeaseGrant? TryLease(string trainerId, DateTime now)
    {
        if (State != CampaignState.Running || (Settings.MaxConcurrent > 0 && _running.Count >= Settings.MaxConcurrent))
        {
            return null;
        }

        while (_queue.Count == 0 && State == CampaignState.Running)
        {
            if (NextPromotion() is { } promoted)
            {
                Promote(promoted);
                break;
            }

            if (!CanPropose)
            {
                break;
            }

            Propose();
        }

        CheckEnd(now);
        if (_queue.Count == 0 || State != CampaignState.Running)
        {
            return null;
        }

        var n = _queue.Dequeue();
        var e = _entries[n];
        e.Status = CandidateStatus.Training;
        e.Attempts++;
        e.LeaseId = Guid.NewGuid().ToString("N");
        e.TrainerId = trainerId;
        e.LeasedUtc = now;
        e.Epoch = CompletedEpochs(e); // until the trainer reports progress (it may resume further, from a checkpoint)
        e.ExpiresUtc = now.AddSeconds(Settings.LeaseSeconds);
        _running.Add(n);
        Changed(n);
        return new LeaseGrant(n, e.LeaseId, e.Attempts, e.TargetEpochs, e.Architecture, e.ExpiresUtc, e.Final);
    }

    /// <summary>Extends a current lease and records progress; false when the lease is no longer current.</summary>
    public bool Renew(string leaseId, int number, int epoch, DateTime now)
    {
        if (!IsCurrent(leaseId, number))
        {
            return false;
        }

        var e = _entries[number];
        e.ExpiresUtc = now.AddSeconds(Settings.LeaseSeconds);
        e.Epoch = epoch;
        return true;
    }

    /// <summary>
    /// Records a result for the current lease: the candidate reaches the rung of its epochs, its waiters (cache hits)
    /// take the same result, the reward is applied once (at the first rung), and the campaign may end.
    /// </summary>
    public ReportOutcome Complete(string leaseId, int number, TrainedResult result, DateTime now)
    {
        if (InRange(number) && _entries[number] is { Status: CandidateStatus.Done } d && d.LeaseId == leaseId)
        {
            return ReportOutcome.Duplicate;
        }

        if (!IsCurrent(leaseId, number))
        {
            Stale();
            return ReportOutcome.Stale;
        }

        var e = _entries[number];
        _running.Remove(number);
        if (e.Final is not null)
        {
            // A final-evaluation training: a row's result, never a reward, a promotion or a cache hit.
            e.Status = CandidateStatus.Done;
            e.Epoch = result.Epochs;
            e.Params = result.Params;
            e.MultAdds = result.MultAdds;
            e.LatencyMs = result.LatencyMs;
            e.TestAccuracy = result.TestAccuracy;
            e.RungAccuracies.Add(result.Diverged ? 0 : result.ValidationAccuracy);
            e.RungScores.Add(result.Diverged ? 0 : result.ValidationAccuracy);
            FinalProgress = FinalProgress with { Done = FinalProgress.Done + 1 };
            _events.Add(new LedgerEvent(LedgerEventKind.Finished, number));
            Changed(number);
            CheckEnd(now);
            return ReportOutcome.Accepted;
        }

        EpochsTrained += Math.Max(0, result.Epochs - CompletedEpochs(e)); // the epochs the candidate reached (as a rebuild counts them)
        if (result.ResumedFromEpoch > 0)
        {
            _header = _header with { Resumes = _header.Resumes + 1 };
            _headerChanged = true;
        }

        var score = Settings.Cost.Score(result);
        e.Status = CandidateStatus.Done;
        e.Epoch = result.Epochs;
        e.Params = result.Params;
        e.MultAdds = result.MultAdds;
        e.LatencyMs = result.LatencyMs;
        e.RungAccuracies.Add(result.Diverged ? 0 : result.ValidationAccuracy);
        e.RungScores.Add(score);
        e.Promoted = false;
        e.Reason = null;
        var firstResult = !e.RewardApplied;
        _failStreak = 0;
        Done += firstResult ? 1 : 0;
        if (firstResult)
        {
            ApplyReward(number, score);
        }

        _events.Add(new LedgerEvent(LedgerEventKind.Finished, number));
        if (_waiters.Remove(number, out var waiters))
        {
            foreach (var w in waiters)
            {
                var we = _entries[w];
                we.Status = CandidateStatus.Done;
                we.Epoch = e.Epoch;
                we.Params = e.Params;
                we.MultAdds = e.MultAdds;
                we.LatencyMs = e.LatencyMs;
                we.RungAccuracies.Add(e.Accuracy);
                we.RungScores.Add(score);
                Done++;
                CacheHits++;
                ApplyReward(w, score);
                Changed(w);
                _events.Add(new LedgerEvent(LedgerEventKind.Finished, w, number));
            }
        }

        UpdateBest(number);
        Changed(number);
        CheckEnd(now);
        return ReportOutcome.Accepted;
    }

    /// <summary>A failed attempt: re-queued, or failed after <c>maxAttempts</c> (a failed promotion keeps its earlier result).</summary>
    public ReportOutcome Fail(string leaseId, int number, string reason, DateTime now)
    {
        if (!IsCurrent(leaseId, number))
        {
            Stale();
            return ReportOutcome.Stale;
        }

        FailOrRequeue(number, reason);
        CheckEnd(now);
        return ReportOutcome.Accepted;
    }

    /// <summary>Gives a current lease back without penalty (a draining trainer); false when not current.</summary>
    public bool Release(string leaseId, int number)
    {
        if (!IsCurrent(leaseId, number))
        {
            return false;
        }

        Requeue(number, penalty: false);
        return true;
    }

    /// <summary>Re-queues (or fails) every lease not renewed in time; returns how many expired.</summary>
    public int ExpireLeases(DateTime now)
    {
        var expired = _running.Where(n => _entries[n].ExpiresUtc < now).Order().ToArray();
        foreach (var n in expired)
        {
            FailOrRequeue(n, $"lease expired (trainer {_entries[n].TrainerId})");
        }

        CheckEnd(now);
        return expired.Length;
    }

    /// <summary>Stops a running campaign; running leases go back to the queue without penalty. False when not running.</summary>
    public bool Stop()
    {
        if (State != CampaignState.Running)
        {
            return false;
        }

        foreach (var n in _running.Order().ToArray())
        {
            Requeue(n, penalty: false);
        }

        SetHeader(_header with { State = CampaignState.Stopped });
        return true;
    }

    /// <summary>Resumes a stopped or failed campaign (a failed one starts counting failures afresh). False when it was not.</summary>
    public bool Resume(DateTime now)
    {
        if (State is not (CampaignState.Stopped or CampaignState.Failed))
        {
            return false;
        }

        SetHeader(_header with { State = CampaignState.Running, EndedUtc = null, Error = null });
        _failStreak = 0;
        CheckEnd(now);
        return true;
    }

    /// <summary>Re-evaluates the end of the campaign (after a restart, or when a resumed campaign has nothing left).</summary>
    public void CheckEnd(DateTime now)
    {
        if (State != CampaignState.Running)
        {
            return;
        }

        if (Done == 0 && _failStreak >= FailFastAfter)
        {
            End(now, CampaignState.Failed, $"the first {Failed} candidates failed (last: {_lastFailure}): fix the cause and run 'campaign resume'");
            return;
        }

        if (CanPropose || _queue.Count > 0 || _running.Count > 0 || _waiters.Count > 0 || NextPromotion() is not null)
        {
            return;
        }

        if (Done > 0 && !_header.FinalStarted && Settings.Final is not null)
        {
            // The search is over; the campaign runs on into its final evaluation once the owner has planned it.
            _events.Add(new LedgerEvent(LedgerEventKind.FinalDue, -1));
            return;
        }

        if (Done == 0)
        {
            End(now, CampaignState.Failed, Failed > 0
                ? $"every candidate failed or was rejected (last: {_lastFailure ?? "rejected by the cost limits"})"
                : "every candidate was rejected by the cost limits: raise cost.maxParams / cost.maxMultAdds");
            return;
        }

        End(now, CampaignState.Completed, null);
    }

    /// <summary>The architectures of the trained candidates, best first (what a final evaluation retrains).</summary>
    public IReadOnlyList<string> FoundCells() => Ranking().Select(n => _entries[n].Architecture).ToArray();

    /// <summary>
    /// Queues the final evaluation's trainings (planned from <see cref="FoundCells"/>), once: on a finished search it
    /// runs the campaign again until every final training has ended. False when it already started, the search has no
    /// result yet, or the campaign is still searching.
    /// </summary>
    public bool StartFinal(IReadOnlyList<FinalWork> work, FinalSettings settings)
    {
        var searching = State == CampaignState.Running && (CanPropose || _queue.Count > 0 || _running.Count > 0 || NextPromotion() is not null);
        if (_header.FinalStarted || Done == 0 || searching || work.Count == 0)
        {
            return false;
        }

        foreach (var w in work)
        {
            var n = _entries.Count;
            _entries.Add(new CandidateEntry { Hash = "", Architecture = w.Architecture, SampleId = -1, Final = w, TargetEpochs = settings.Epochs, RewardApplied = true });
            _queue.Enqueue(n);
            Changed(n);
            _events.Add(new LedgerEvent(LedgerEventKind.Added, n));
        }

        FinalProgress = (0, 0, work.Count);
        SetHeader(_header with { FinalStarted = true, Final = settings, State = CampaignState.Running, EndedUtc = null, Error = null });
        return true;
    }

    /// <summary>A stale report was ignored (counted).</summary>
    public void Stale()
    {
        SetHeader(_header with { StaleReports = _header.StaleReports + 1 });
    }

    /// <summary>The candidates ranked as the leaderboard shows them: highest rung, then objective, then accuracy.</summary>
    public IEnumerable<int> Ranking() => Enumerable.Range(0, _entries.Count)
        .Where(n => _entries[n].CacheHitOf < 0 && _entries[n].Final is null && _entries[n].RungAccuracies.Count > 0)
        .OrderByDescending(n => _entries[n].Rung).ThenByDescending(n => _entries[n].Score).ThenByDescending(n => _entries[n].Accuracy).ThenBy(n => n);

    private bool CanPropose => !_header.FinalStarted && SearchEntries < Settings.Candidates && (Settings.MaxEpochs <= 0 || EpochsCommitted() < Settings.MaxEpochs);

    /// <summary>Entries of the search (the final evaluation's follow them).</summary>
    private int SearchEntries => FinalProgress.Total > 0 ? _entries.Count - FinalProgress.Total : _entries.Count;

    private bool InRange(int number) => number >= 0 && number < _entries.Count;

    private bool IsCurrent(string leaseId, int number) =>
        InRange(number) && _entries[number] is { Status: CandidateStatus.Training } e && e.LeaseId == leaseId;

    private void Changed(int n) => _changed.Add(n);

    private void SetHeader(LedgerHeader header)
    {
        _header = header;
        _headerChanged = true;
    }

    private void End(DateTime now, CampaignState state, string? error)
    {
        SetHeader(_header with { State = state, EndedUtc = now, Error = error });
        _events.Add(new LedgerEvent(LedgerEventKind.Ended, -1, Reason: error));
    }

    /// <summary>Epochs trained plus those the running and queued work will train (the epoch budget's measure).</summary>
    private long EpochsCommitted() => EpochsTrained + _running.Concat(_queue).Where(n => _entries[n].Final is null).Sum(n => (long)Math.Max(0, _entries[n].TargetEpochs - CompletedEpochs(_entries[n])));

    private int CompletedEpochs(CandidateEntry e) =>
        e.Rung < 0 ? 0 : e.Final is not null ? e.TargetEpochs : Settings.Schedule.Rungs[Math.Min(e.Rung, Settings.Schedule.Rungs.Count - 1)];

    private void Propose()
    {
        var p = Strategy.Propose();
        var (hash, architecture) = Describe(p);
        var n = _entries.Count;
        var e = new CandidateEntry
        {
            Hash = hash,
            Architecture = architecture,
            SampleId = p.SampleId,
            PolicyVersion = p.PolicyVersion,
            TargetEpochs = Settings.Schedule.Rungs[0],
        };
        _entries.Add(e);
        Changed(n);
        _events.Add(new LedgerEvent(LedgerEventKind.Added, n));
        if (_byHash.TryGetValue(hash, out var source) && _entries[source].Status is not (CandidateStatus.Failed or CandidateStatus.Rejected))
        {
            e.CacheHitOf = source;
            var se = _entries[source];
            if (se.RungAccuracies.Count > 0)
            {
                e.Status = CandidateStatus.Done;
                e.Epoch = Settings.Schedule.Rungs[0];
                e.Params = se.Params;
                e.MultAdds = se.MultAdds;
                e.LatencyMs = se.LatencyMs;
                e.RungAccuracies.Add(se.RungAccuracies[0]);
                e.RungScores.Add(se.RungScores[0]);
                Done++;
                CacheHits++;
                ApplyReward(n, se.RungScores[0]);
                _events.Add(new LedgerEvent(LedgerEventKind.Finished, n, source));
            }
            else
            {
                Wait(source, n);
            }

            return;
        }

        if (Settings.Cost.NeedsEstimate && _costModel is not null)
        {
            var cost = _costModel.Estimate(architecture);
            e.Params = cost.Params;
            e.MultAdds = cost.MultAdds;
            if (Settings.Cost.RejectBeforeTraining(cost.Params, cost.MultAdds) is { } why)
            {
                // Never leased. The strategy observes reward 0, so a learning strategy moves away from oversized cells.
                e.Status = CandidateStatus.Rejected;
                e.Reason = why;
                Rejected++;
                ApplyReward(n, 0);
                _events.Add(new LedgerEvent(LedgerEventKind.Rejected, n, Reason: why));
                return;
            }
        }

        _byHash[hash] = n;
        _queue.Enqueue(n);
    }

    /// <summary>The hash and serialized form of a proposal's architecture.</summary>
    private static (string Hash, string Architecture) Describe(Proposal p) => (p.Architecture.Hash, p.Architecture.Text);

    /// <summary>
    /// ASHA (Li et al. 2020, get_job): from the highest rung down, the best candidate among the top floor(n/eta) of
    /// the n that reached rung k which has not been promoted yet; null when none (or no schedule).
    /// </summary>
    private int? NextPromotion()
    {
        var schedule = Settings.Schedule;
        if (!schedule.Promotes)
        {
            return null;
        }

        for (var k = schedule.Rungs.Count - 2; k >= 0; k--)
        {
            var reached = Enumerable.Range(0, _entries.Count)
                .Where(n => _entries[n].CacheHitOf < 0 && _entries[n].Final is null && _entries[n].RungScores.Count > k)
                .ToArray();
            var top = reached.Length / schedule.Eta;
            if (top == 0)
            {
                continue;
            }

            foreach (var n in reached.OrderByDescending(n => _entries[n].RungScores[k]).ThenBy(n => n).Take(top))
            {
                var e = _entries[n];
                if (e.Rung == k && !e.Promoted && e.Status == CandidateStatus.Done && (Settings.MaxEpochs <= 0 ||
                    EpochsCommitted() + schedule.Rungs[k + 1] - schedule.Rungs[k] <= Settings.MaxEpochs))
                {
                    return n;
                }
            }
        }

        return null;
    }

    private void Promote(int n)
    {
        var e = _entries[n];
        e.Promoted = true;
        e.Status = CandidateStatus.Pending;
        e.Attempts = 0;
        e.TargetEpochs = Settings.Schedule.Rungs[e.Rung + 1];
        SetHeader(_header with { Promotions = _header.Promotions + 1 });
        _queue.Enqueue(n);
        Changed(n);
    }

    /// <summary>Applies a candidate's reward to the strategy, once.</summary>
    private void ApplyReward(int n, double reward)
    {
        var e = _entries[n];
        if (e.RewardApplied)
        {
            return;
        }

        e.Reward = reward;
        e.RewardApplied = true;
        Strategy.Observe(e.SampleId, reward);
        e.RewardSeq = _rewards.Count;
        _rewards.Add(reward);
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
        var e = _entries[n];
        _running.Remove(n);
        e.Status = CandidateStatus.Pending;
        e.LeaseId = null;
        e.TrainerId = null;
        if (!penalty)
        {
            e.Attempts = Math.Max(0, e.Attempts - 1);
        }

        _queue.Enqueue(n);
        Changed(n);
    }

    private void FailOrRequeue(int n, string reason)
    {
        var e = _entries[n];
        _lastFailure = reason;
        if (e.Attempts < Settings.MaxAttempts)
        {
            e.Reason = reason;
            Requeue(n, penalty: true);
            _events.Add(new LedgerEvent(LedgerEventKind.Requeued, n, Reason: reason));
            return;
        }

        _running.Remove(n);
        e.LeaseId = null;
        e.Reason = reason;
        Changed(n);
        if (e.Final is not null)
        {
            e.Status = CandidateStatus.Failed;
            FinalProgress = FinalProgress with { Failed = FinalProgress.Failed + 1 };
            _events.Add(new LedgerEvent(LedgerEventKind.Failed, n, Reason: reason));
            return;
        }

        if (e.RungAccuracies.Count > 0)
        {
            // A promotion that failed for good: the candidate keeps the result of the rung it had reached.
            e.Status = CandidateStatus.Done;
            e.TargetEpochs = CompletedEpochs(e);
            return;
        }

        e.Status = CandidateStatus.Failed;
        Failed++;
        _failStreak++;
        // Never rewarded: the strategy forgets the proposal (no reward enters the history or the policy).
        e.Reward = 0;
        e.RewardApplied = true;
        Strategy.Discard(e.SampleId);
        _events.Add(new LedgerEvent(LedgerEventKind.Failed, n, Reason: reason));
        // Candidates waiting on this one's result train themselves instead.
        if (_waiters.Remove(n, out var waiters))
        {
            foreach (var w in waiters)
            {
                _entries[w].CacheHitOf = -1;
                _byHash[_entries[w].Hash] = w;
                _queue.Enqueue(w);
                Changed(w);
            }
        }
    }

    private void UpdateBest(int n)
    {
        var e = _entries[n];
        if (e.CacheHitOf >= 0)
        {
            return;
        }

        // A candidate's own new result only ever raises it (a higher rung), so the leader stays or becomes n.
        if (Best < 0 || Best == n || Better(e, _entries[Best]))
        {
            Best = n;
        }
    }

    private static bool Better(CandidateEntry a, CandidateEntry b) =>
        a.Rung != b.Rung ? a.Rung > b.Rung : a.Score != b.Score ? a.Score > b.Score : a.Accuracy > b.Accuracy;

    private void Rebuild(DateTime now)
    {
        _queue.Clear();
        _running.Clear();
        _waiters.Clear();
        _byHash.Clear();
        _rewards.Clear();
        _rewards.AddRange(_entries.Where(e => e.RewardSeq >= 0).OrderBy(e => e.RewardSeq).Select(e => e.Reward));
        FinalProgress = (0, 0, 0);
        Done = Failed = Rejected = CacheHits = 0;
        EpochsTrained = 0;
        Best = -1;
        var final = (Done: 0, Failed: 0, Total: 0);
        for (var n = 0; n < _entries.Count; n++)
        {
            var e = _entries[n];
            if (e.Final is not null)
            {
                final = (final.Done + (e.Status == CandidateStatus.Done ? 1 : 0), final.Failed + (e.Status == CandidateStatus.Failed ? 1 : 0), final.Total + 1);
                if (e.Status == CandidateStatus.Training)
                {
                    e.ExpiresUtc = now.AddSeconds(Settings.LeaseSeconds);
                    _running.Add(n);
                }
                else if (e.Status == CandidateStatus.Pending)
                {
                    _queue.Enqueue(n);
                }

                continue;
            }

            if (e.CacheHitOf < 0 && e.Status != CandidateStatus.Rejected)
            {
                _byHash[e.Hash] = n; // the latest candidate that trains a hash itself (an earlier one failed)
            }

            if (e.CacheHitOf < 0)
            {
                EpochsTrained += CompletedEpochs(e);
            }

            if (e.RungAccuracies.Count > 0 && e.CacheHitOf < 0 && (Best < 0 || Better(e, _entries[Best])))
            {
                Best = n;
            }

            switch (e.Status)
            {
                case CandidateStatus.Done:
                    Done++;
                    CacheHits += e.CacheHitOf >= 0 ? 1 : 0;
                    break;
                case CandidateStatus.Failed:
                    Failed++;
                    break;
                case CandidateStatus.Rejected:
                    Rejected++;
                    break;
                case CandidateStatus.Training:
                    e.ExpiresUtc = now.AddSeconds(Settings.LeaseSeconds);
                    _running.Add(n);
                    Done += e.RungAccuracies.Count > 0 ? 1 : 0;
                    break;
                default:
                    Done += e.RungAccuracies.Count > 0 ? 1 : 0;
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

        FinalProgress = final;
    }
}

/// <summary>The rules a ledger applies, from the campaign's config.</summary>
/// <param name="Candidates">Proposals in the budget (cache hits and rejections count: each is a sampled architecture).</param>
/// <param name="MaxConcurrent">Most leases at once (0 = no limit).</param>
/// <param name="LeaseSeconds">A lease not renewed within this is re-queued (attempt + 1).</param>
/// <param name="MaxAttempts">Attempts before a candidate fails for good.</param>
/// <param name="Schedule">Rungs (one without ASHA).</param>
/// <param name="Cost">Limits and shaping.</param>
/// <param name="MaxEpochs">Optional budget in epochs trained, over all candidates and rungs (0 = none).</param>
/// <param name="Final">The final evaluation to run when the search ends (null: none; `campaign evaluate` can start one later).</param>
public sealed record LedgerSettings(int Candidates, int MaxConcurrent, double LeaseSeconds, int MaxAttempts, RungSchedule Schedule, CostRules Cost, long MaxEpochs = 0, FinalSettings? Final = null);
