using System.Globalization;

namespace NasNet.Cluster.Tests.Chaos;

/// <summary>A training attempt seen in a campaign's status: a trainer holding a candidate's lease since a time.</summary>
public sealed class Attempt(string candidateId, string trainerId, DateTime sinceUtc, DateTime seenUtc)
{
    public string CandidateId { get; } = candidateId;

    public string TrainerId { get; } = trainerId;

    /// <summary>When the lease was granted (the controller's clock: the same machine).</summary>
    public DateTime SinceUtc { get; } = sinceUtc;

    public DateTime FirstSeenUtc { get; } = seenUtc;

    public DateTime LastSeenUtc { get; set; } = seenUtc;

    public int MaxEpoch { get; set; }

    /// <summary>The silo part of the trainer id ("silo3/1" -> "silo3").</summary>
    public string Silo => TrainerId.Split('/')[0];
}

/// <summary>
/// Reads of one campaign, checked as they come: no counter ever goes backwards (completed, failed, rewardsApplied,
/// resumes, staleReports, proposed, policy updates, cache hits), every finished candidate's reward is applied once
/// (rewardsApplied = completed + failed), a candidate once done stays done and has exactly one recorded result.
/// Also records the training attempts seen (for the lost-work and recovery figures).
/// </summary>
public sealed class CampaignWatch(string campaignId)
{
    private readonly Dictionary<string, int> _counters = [];
    private readonly HashSet<string> _done = [];
    private readonly Dictionary<(string, DateTime), Attempt> _attempts = [];
    private readonly List<(DateTime At, int Completed)> _progress = [];
    private readonly Dictionary<string, DateTime> _doneSeen = [];
    private readonly HashSet<string> _unrecorded = [];

    public string CampaignId => campaignId;

    public List<string> Violations { get; } = [];

    public int Reads { get; private set; }

    public CampaignStatus? Last { get; private set; }

    public IReadOnlyCollection<Attempt> Attempts => _attempts.Values;

    /// <summary>When a read first saw each candidate done.</summary>
    public IReadOnlyDictionary<string, DateTime> DoneSeenUtc => _doneSeen;

    /// <summary>(time, completed) at every read.</summary>
    public IReadOnlyList<(DateTime At, int Completed)> Progress => _progress;

    /// <summary>One read: the status, the candidate table, and the grain of every candidate newly done.</summary>
    public async Task ReadAsync(IGrainFactory grains)
    {
        var campaign = grains.GetGrain<ICampaignGrain>(campaignId);
        var status = await campaign.GetStatus();
        var rows = await campaign.GetCandidates();
        var now = DateTime.UtcNow;
        Reads++;
        Last = status;
        _progress.Add((now, status.Completed));
        Counter("completed", status.Completed);
        Counter("failed", status.Failed);
        Counter("rewardsApplied", status.RewardsApplied);
        Counter("resumes", status.Resumes);
        Counter("staleReports", status.StaleReports);
        Counter("proposed", status.Proposed);
        Counter("policyUpdates", status.PolicyUpdates);
        Counter("cacheHits", status.CacheHits);
        if (status.RewardsApplied != status.Completed + status.Failed)
        {
            Violate($"rewardsApplied {status.RewardsApplied} != completed {status.Completed} + failed {status.Failed}");
        }

        if (status.Completed + status.Failed > status.Budget)
        {
            Violate($"completed {status.Completed} + failed {status.Failed} > budget {status.Budget}");
        }

        foreach (var t in status.Trainers)
        {
            if (!_attempts.TryGetValue((t.CandidateId, t.SinceUtc), out var a))
            {
                _attempts[(t.CandidateId, t.SinceUtc)] = a = new Attempt(t.CandidateId, t.TrainerId, t.SinceUtc, now);
            }

            a.LastSeenUtc = now;
            a.MaxEpoch = Math.Max(a.MaxEpoch, t.Epoch);
        }

        var newlyDone = new List<string>();
        foreach (var r in rows)
        {
            if (r.Status == CandidateStatus.Done)
            {
                if (_done.Add(r.CandidateId))
                {
                    newlyDone.Add(r.CandidateId);
                    _doneSeen[r.CandidateId] = now;
                }
            }
            else if (_done.Contains(r.CandidateId))
            {
                Violate($"candidate {r.CandidateId} was done and is now {r.Status}");
            }
        }

        // The controller stores a result in the candidate's grain and its own table concurrently, and a read may see
        // the table first: a candidate newly done may show no result yet (checked again at the next reads and at the
        // end), never two.
        _unrecorded.UnionWith(newlyDone);
        foreach (var view in await Task.WhenAll(_unrecorded.Select(id => grains.GetGrain<ICandidateGrain>(id).Get())))
        {
            if (view.ResultsRecorded > 1)
            {
                Violate($"candidate {view.CandidateId} is done with {view.ResultsRecorded} results recorded");
            }

            if (view.ResultsRecorded >= 1)
            {
                _unrecorded.Remove(view.CandidateId);
            }
        }
    }

    /// <summary>The end: completed with the whole budget, none failed, every reward applied, each candidate exactly one result.</summary>
    public async Task<CandidateView[]> CheckEndAsync(IGrainFactory grains)
    {
        await ReadAsync(grains);
        var s = Last!;
        if (s.State != CampaignState.Completed || s.Completed != s.Budget || s.Failed != 0 || s.RewardsApplied != s.Budget || s.Pending + s.Running != 0)
        {
            Violate($"ended {s.State}: completed {s.Completed}/{s.Budget}, failed {s.Failed}, rewardsApplied {s.RewardsApplied}, pending {s.Pending}, running {s.Running}");
        }

        var rows = await grains.GetGrain<ICampaignGrain>(campaignId).GetCandidates();
        var views = await Task.WhenAll(rows.Select(r => grains.GetGrain<ICandidateGrain>(r.CandidateId).Get()));
        // The last results may be a moment behind the controller's table (stored concurrently): a few seconds' grace.
        for (var i = 0; i < 20 && views.Any(v => v.ResultsRecorded == 0); i++)
        {
            await Task.Delay(500);
            views = await Task.WhenAll(rows.Select(r => grains.GetGrain<ICandidateGrain>(r.CandidateId).Get()));
        }

        if (views.Length != s.Budget)
        {
            Violate($"{views.Length} candidates for a budget of {s.Budget}");
        }

        foreach (var v in views.Where(v => v.Status != CandidateStatus.Done || v.ResultsRecorded != 1 || v.Result is null))
        {
            Violate($"candidate {v.CandidateId}: {v.Status}, {v.ResultsRecorded} results recorded");
        }

        return views;
    }

    /// <summary>
    /// Training thrown away, in epochs: the time every attempt that did not produce the accepted result spent (from its
    /// lease to the moment its silo was stopped, else to the last read that saw it), minus what the accepted attempts
    /// resumed from checkpoints. 0 = every interrupted attempt's work was saved by its checkpoint.
    /// </summary>
    public double LostEpochs(IEnumerable<CandidateView> views, Func<Attempt, DateTime?> stoppedAt, double secondsPerEpoch)
    {
        // Only candidates with an interrupted attempt the reads saw: an attempt shorter than the read interval may go
        // unseen, and then its candidate's resume is left out with it.
        var spent = 0.0;
        var interrupted = new HashSet<string>();
        foreach (var group in _attempts.Values.GroupBy(a => a.CandidateId))
        {
            foreach (var a in group.OrderBy(a => a.SinceUtc).SkipLast(1))
            {
                var end = stoppedAt(a) is { } t && t >= a.SinceUtc && t <= a.LastSeenUtc.AddSeconds(2) ? t : a.LastSeenUtc;
                spent += (end - a.SinceUtc).TotalSeconds;
                interrupted.Add(a.CandidateId);
            }
        }

        var resumed = views.Where(v => interrupted.Contains(v.CandidateId)).Sum(v => v.Result?.ResumedFromEpoch ?? 0);
        return spent / secondsPerEpoch - resumed;
    }

    private void Counter(string name, int value)
    {
        if (_counters.TryGetValue(name, out var before) && value < before)
        {
            Violate($"{name} went back from {before} to {value}");
        }

        _counters[name] = Math.Max(value, before);
    }

    private void Violate(string what) =>
        Violations.Add(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.f} {campaignId} read {Reads}: {what}"));
}
