using NasNet.Core.Campaigns;
using NasNet.Core.Controller;
using CandidateStatus = NasNet.Core.Campaigns.CandidateStatus;

namespace NasNet.Grains.Campaigns;

/// <summary>
/// A campaign's read-only queries for the silo's web page, over its <see cref="CandidateLedger"/>: paged and sorted
/// candidate rows, one row by number, and the series behind the charts. Each is computed from the ledger in memory
/// without an await (so an answer is one instant's table) and is bounded in size: a page of rows, charts of at most
/// about maxPoints points. Nothing here changes the ledger; the caches below are the only state.
/// </summary>
internal sealed class LedgerQueries(CandidateLedger ledger, CampaignConfig config, CandidateRecords records)
{
    private const int MaxPageRows = 200;
    private const int RewardWindow = 20; // the window of CandidateLedger.RewardMovingAverage
    private const int FailuresShown = 10;
    private const int MaxSortsKept = 6;

    // What the page's polls computed last, and from which state of the table: a page polls every 2 s, most polls of
    // a finished or slow campaign find nothing new, and while a large one changes every few milliseconds a second's
    // staleness is invisible on the page. One computation at 20,000 candidates is a sort or two of the table, which
    // runs on the controller's thread (bench/RESULTS.md § Web).
    private static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);
    private (long Version, DateTime Utc, int[] Ranking, int[] Rank)? _ranked;
    private readonly Dictionary<(CandidateFilter, CandidateSort, bool), int[]> _sorted = [];
    private (long Version, DateTime Utc, int MaxPoints, CampaignCharts Charts)? _charts;

    /// <summary>The ledger these queries read.</summary>
    public CandidateLedger Ledger => ledger;

    public CandidatePage QueryCandidates(CandidateQuery query)
    {
        var (ranking, rank) = Ranked();
        var sortKey = (query.Filter, query.Sort, query.Descending);
        if (!_sorted.TryGetValue(sortKey, out var sorted))
        {
            if (_sorted.Count >= MaxSortsKept)
            {
                _sorted.Clear(); // at most a few orders of the table in memory (an int per candidate each)
            }

            _sorted[sortKey] = sorted = Sort(query, ranking, rank);
        }

        var skip = Math.Clamp(query.Skip, 0, sorted.Length);
        var page = sorted.Skip(skip).Take(Math.Clamp(query.Take, 0, MaxPageRows)).ToArray();
        return new CandidatePage(sorted.Length, skip, page.Select(Summary).ToArray(), page.Select(n => rank[n]).ToArray());
    }

    /// <summary>The leaderboard's order and each candidate's rank (0: unranked), recomputed when the table changed.</summary>
    private (int[] Ranking, int[] Rank) Ranked()
    {
        var version = ChartsVersion();
        var now = DateTime.UtcNow;
        if (_ranked is { } r && (r.Version == version || now - r.Utc < FreshFor) && r.Rank.Length <= Ledger.Entries.Count)
        {
            return (r.Ranking, r.Rank);
        }

        var ranking = Ledger.Ranking().ToArray();
        var rank = new int[Ledger.Entries.Count];
        for (var i = 0; i < ranking.Length; i++)
        {
            rank[ranking[i]] = i + 1;
        }

        _ranked = (version, now, ranking, rank);
        _sorted.Clear();
        return (ranking, rank);
    }

    private int[] Sort(CandidateQuery query, int[] ranking, int[] rank)
    {
        var entries = Ledger.Entries;
        var count = rank.Length; // the entries the ranking saw
        IEnumerable<int> rows = query.Filter switch
        {
            CandidateFilter.Trained => ranking,
            CandidateFilter.Failed => Enumerable.Range(0, count).Where(n => entries[n].Status is CandidateStatus.Failed or CandidateStatus.Rejected),
            _ => Enumerable.Range(0, count),
        };
        Func<int, double> key = query.Sort switch
        {
            CandidateSort.Number => n => n,
            CandidateSort.Accuracy => n => entries[n].Accuracy,
            CandidateSort.Score => n => entries[n].Score,
            CandidateSort.Reward => n => entries[n].Reward,
            CandidateSort.Params => n => entries[n].Params,
            CandidateSort.MultAdds => n => entries[n].MultAdds,
            CandidateSort.Latency => n => entries[n].LatencyMs,
            CandidateSort.Epochs => n => entries[n].Epoch,
            _ => n => rank[n] == 0 ? int.MaxValue : rank[n],
        };
        if (query.Filter == CandidateFilter.Trained && query.Sort == CandidateSort.Rank)
        {
            return query.Descending ? Enumerable.Reverse(ranking).ToArray() : ranking;
        }

        var ordered = query.Descending ? rows.OrderByDescending(key) : rows.OrderBy(key);
        return ordered.ThenBy(n => rank[n] == 0 ? int.MaxValue : rank[n]).ThenBy(n => n).ToArray();
    }

    public CandidateSummary? FindCandidate(int number) =>
        number >= 0 && number < Ledger.Entries.Count ? Summary(number) : null;

    public CampaignCharts GetCharts(int maxPoints)
    {
        maxPoints = Math.Clamp(maxPoints, 10, 2000);
        var version = ChartsVersion();
        var now = DateTime.UtcNow;
        if (_charts is { } cached && cached.MaxPoints == maxPoints && (cached.Version == version || now - cached.Utc < FreshFor))
        {
            return cached.Charts;
        }

        var rewards = ledger.Rewards;
        var bucket = Math.Max(1, (rewards.Count + maxPoints - 1) / maxPoints);
        var (trained, _) = Ranked();
        var rungs = ledger.Settings.Schedule.Rungs;
        var charts = new CampaignCharts(
            rewards.Count,
            bucket,
            RewardCurve(bucket),
            ledger.Strategy is PpoSearch ppo ? EntropyCurve(ppo.Updates, maxPoints) : null,
            CostScatter(trained, maxPoints),
            Enumerable.Range(0, rungs.Count).Select(r => trained.Count(n => ledger.Entries[n].Rung >= r)).ToArray(),
            RecentFailures());
        _charts = (version, now, maxPoints, charts);
        return charts;
    }

    /// <summary>Changes whenever anything the charts show may have changed (results, failures, re-queues, updates).</summary>
    private long ChartsVersion()
    {
        var l = Ledger;
        var hash = new HashCode();
        hash.Add(l.Entries.Count);
        hash.Add(l.Rewards.Count);
        hash.Add(l.Done);
        hash.Add(l.Failed);
        hash.Add(l.Rejected);
        hash.Add(l.Running);
        hash.Add(l.Pending);
        hash.Add(l.EpochsTrained);
        hash.Add(l.Strategy.PolicyVersion);
        hash.Add(l.Header.Promotions);
        hash.Add(l.FinalProgress);
        return ((long)hash.ToHashCode() << 32) ^ l.Rewards.Count;
    }

    /// <summary>Rewards in application order, bucketed (see <see cref="RewardSeries"/>).</summary>
    private RewardSeries RewardCurve(int bucket)
    {
        var rewards = ledger.Rewards;
        var numbers = new int[rewards.Count];
        Array.Fill(numbers, -1);
        for (var n = 0; n < ledger.Entries.Count; n++)
        {
            if (ledger.Entries[n].RewardSeq is var seq && seq >= 0 && seq < numbers.Length)
            {
                numbers[seq] = n;
            }
        }

        // The PPO baseline is not stored: it is the strategy's exponential moving average, replayed here over the same
        // rewards in the same order (PpoSearch.Observe: b = decay * b + (1 - decay) * r, starting at the first reward).
        var ppo = config.Strategy.Kind == StrategyKind.Ppo;
        var decay = config.Strategy.BaselineDecay;
        var points = (rewards.Count + bucket - 1) / bucket;
        var seqs = new int[points];
        var best = new int[points];
        var mean = new double[points];
        var low = new double[points];
        var high = new double[points];
        var average = new double[points];
        var baselines = ppo ? new double[points] : null;
        var bestSoFar = new double[points];
        double windowSum = 0, baseline = 0, top = double.NegativeInfinity;
        for (int p = 0, i = 0; p < points; p++)
        {
            double sum = 0, lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            var argmax = -1;
            var end = Math.Min(rewards.Count, i + bucket);
            var count = end - i;
            for (; i < end; i++)
            {
                var r = rewards[i];
                sum += r;
                lo = Math.Min(lo, r);
                if (r > hi)
                {
                    hi = r;
                    argmax = numbers[i];
                }

                windowSum += r - (i >= RewardWindow ? rewards[i - RewardWindow] : 0);
                baseline = i == 0 ? r : (decay * baseline) + ((1 - decay) * r);
                top = Math.Max(top, r);
            }

            seqs[p] = end - 1;
            best[p] = argmax;
            mean[p] = Round(sum / count);
            low[p] = Round(lo);
            high[p] = Round(hi);
            average[p] = Round(windowSum / Math.Min(end, RewardWindow));
            if (baselines is not null)
            {
                baselines[p] = Round(baseline);
            }

            bestSoFar[p] = Round(top);
        }

        return new RewardSeries(seqs, best, mean, low, high, average, baselines, bestSoFar);
    }

    private static EntropySeries EntropyCurve(IReadOnlyList<PpoUpdateStats> updates, int maxPoints)
    {
        var stride = Math.Max(1, (updates.Count + maxPoints - 1) / maxPoints);
        var picked = Enumerable.Range(0, updates.Count)
            .Where(i => (updates.Count - 1 - i) % stride == 0 && double.IsFinite(updates[i].Entropy)) // always the latest
            .Select(i => updates[i]).ToArray();
        return new EntropySeries(picked.Select(u => u.Version).ToArray(), picked.Select(u => Round(u.Entropy)).ToArray());
    }

    /// <summary>
    /// The accuracy-vs-cost scatter: both Pareto fronts in full, then the leaderboard's top quarter of the points,
    /// then an even sample of the rest, at most <paramref name="maxPoints"/> in all (plus any front beyond that).
    /// </summary>
    private CostSeries CostScatter(int[] trained, int maxPoints)
    {
        var entries = Ledger.Entries;
        var front = new int[entries.Count]; // bits per candidate number
        var accuracies = trained.Select(n => entries[n].Accuracy).ToArray();
        void Front(Func<CandidateEntry, double> cost, int bit)
        {
            foreach (var i in ParetoFront.Of(trained.Select(n => cost(entries[n])).ToArray(), accuracies))
            {
                front[trained[i]] |= bit;
            }
        }

        Front(e => e.MultAdds, 1);
        Front(e => e.LatencyMs, 2);
        var chosen = new bool[entries.Count];
        var picked = 0;
        foreach (var n in trained)
        {
            if (front[n] != 0)
            {
                chosen[n] = true;
                picked++;
            }
        }

        foreach (var n in trained.Take(maxPoints / 4))
        {
            picked += chosen[n] ? 0 : 1;
            chosen[n] = true;
        }

        var rest = trained.Where(n => !chosen[n]).ToArray();
        var room = Math.Max(0, maxPoints - picked);
        if (rest.Length <= room)
        {
            foreach (var n in rest)
            {
                chosen[n] = true;
            }
        }
        else if (room > 0)
        {
            var step = (double)rest.Length / room;
            for (var k = 0; k < room; k++)
            {
                chosen[rest[(int)(k * step)]] = true;
            }
        }

        var rows = Enumerable.Range(0, chosen.Length).Where(n => chosen[n]).ToArray();
        return new CostSeries(
            rows, rows.Select(n => Round(entries[n].Accuracy)).ToArray(), rows.Select(n => entries[n].MultAdds).ToArray(),
            rows.Select(n => Round(entries[n].LatencyMs)).ToArray(), rows.Select(n => entries[n].Params).ToArray(),
            rows.Select(n => front[n]).ToArray(), trained.Length);
    }

    /// <summary>The latest candidates (by number) that failed, were rejected, or were re-queued after a failed attempt.</summary>
    private CandidateSummary[] RecentFailures()
    {
        var entries = Ledger.Entries;
        var found = new List<int>();
        for (var n = entries.Count - 1; n >= 0 && found.Count < FailuresShown; n--)
        {
            var e = entries[n];
            if (e.Status is CandidateStatus.Failed or CandidateStatus.Rejected || (e.Reason is not null && e.Status is CandidateStatus.Pending or CandidateStatus.Training))
            {
                found.Add(n);
            }
        }

        return found.Select(Summary).ToArray();
    }

    private CandidateSummary Summary(int n) => LedgerViews.Summary(Ledger, n, records);

    private static double Round(double x) => double.IsFinite(x) ? Math.Round(x, 5) : 0;
}
