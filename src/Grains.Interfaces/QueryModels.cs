namespace NasNet.Grains.Interfaces;

/// <summary>Which candidates a <see cref="CandidateQuery"/> pages over.</summary>
[GenerateSerializer, Alias("NasNet.CandidateFilter")]
public enum CandidateFilter
{
    /// <summary>The leaderboard: search candidates with a result of their own (no cache hits, no final trainings).</summary>
    Trained,

    /// <summary>Every candidate, in any state.</summary>
    All,

    /// <summary>Candidates that failed for good or were rejected by a cost limit.</summary>
    Failed,
}

/// <summary>The column a <see cref="CandidateQuery"/> sorts by (ties: the leaderboard's order, then the number).</summary>
[GenerateSerializer, Alias("NasNet.CandidateSort")]
public enum CandidateSort
{
    /// <summary>The leaderboard's rank: highest rung, then objective, then accuracy.</summary>
    Rank,

    Number,

    Accuracy,

    Score,

    Reward,

    Params,

    MultAdds,

    Latency,

    Epochs,
}

/// <summary>A page request over a campaign's candidates (<see cref="Take"/> is capped at 200).</summary>
[GenerateSerializer, Immutable, Alias("NasNet.CandidateQuery")]
public sealed record CandidateQuery(
    [property: Id(0)] CandidateFilter Filter,
    [property: Id(1)] CandidateSort Sort,
    [property: Id(2)] bool Descending,
    [property: Id(3)] int Skip,
    [property: Id(4)] int Take);

/// <summary>
/// One page of candidates: <see cref="Total"/> rows match the filter; <see cref="Ranks"/> holds each row's leaderboard
/// rank (1 = best; 0 = not ranked: untrained, a cache hit or a final training).
/// </summary>
[GenerateSerializer, Immutable, Alias("NasNet.CandidatePage")]
public sealed record CandidatePage(
    [property: Id(0)] int Total,
    [property: Id(1)] int Skip,
    [property: Id(2)] IReadOnlyList<CandidateSummary> Rows,
    [property: Id(3)] IReadOnlyList<int> Ranks);

/// <summary>
/// Rewards in the order the strategy received them, in buckets of <see cref="CampaignCharts.Bucket"/> consecutive
/// rewards (1: every reward is a point). Per bucket: the index of its last reward, the candidate with its highest
/// reward, mean, lowest and highest reward, and at its end the moving average (last 20), the PPO baseline (the
/// strategy's exponential moving average replayed over the rewards; null unless the strategy is ppo) and the best
/// reward so far.
/// </summary>
[GenerateSerializer, Immutable, Alias("NasNet.RewardSeries")]
public sealed record RewardSeries(
    [property: Id(0)] int[] Seq,
    [property: Id(1)] int[] Number,
    [property: Id(2)] double[] Mean,
    [property: Id(3)] double[] Low,
    [property: Id(4)] double[] High,
    [property: Id(5)] double[] Average,
    [property: Id(6)] double[]? Baseline,
    [property: Id(7)] double[] Best);

/// <summary>The mean entropy (nats per architecture) of the controller's policy over the batch of each PPO update.</summary>
[GenerateSerializer, Immutable, Alias("NasNet.EntropySeries")]
public sealed record EntropySeries(
    [property: Id(0)] int[] Version,
    [property: Id(1)] double[] Entropy);

/// <summary>
/// Trained candidates for the accuracy-vs-cost scatter: every candidate on a Pareto front, then a sample of the rest
/// (the most accurate first) when there are more than the chart's points. <see cref="Front"/> bit 1: on the front of
/// accuracy vs mult-adds; bit 2: on the front of accuracy vs measured latency.
/// </summary>
[GenerateSerializer, Immutable, Alias("NasNet.CostSeries")]
public sealed record CostSeries(
    [property: Id(0)] int[] Number,
    [property: Id(1)] double[] Accuracy,
    [property: Id(2)] long[] MultAdds,
    [property: Id(3)] double[] LatencyMs,
    [property: Id(4)] long[] Params,
    [property: Id(5)] int[] Front,
    [property: Id(6)] int Trained);

/// <summary>
/// The series behind a campaign page's charts, each bounded in length: rewards (<see cref="Rewards"/> in all, in
/// buckets of <see cref="Bucket"/>), the policy entropy per update (ppo only, since the controller's activation),
/// accuracy vs cost, candidates that reached each ASHA rung, and the latest failures with their reasons.
/// </summary>
[GenerateSerializer, Immutable, Alias("NasNet.CampaignCharts")]
public sealed record CampaignCharts(
    [property: Id(0)] int Rewards,
    [property: Id(1)] int Bucket,
    [property: Id(2)] RewardSeries Reward,
    [property: Id(3)] EntropySeries? Entropy,
    [property: Id(4)] CostSeries Cost,
    [property: Id(5)] IReadOnlyList<int> RungReached,
    [property: Id(6)] IReadOnlyList<CandidateSummary> RecentFailures);

/// <summary>
/// One attempt at a candidate's training, as its candidate grain recorded it: who trained it (trainer id
/// "{silo}/{slot}"), under which lease, from which checkpoint epoch, how it ended (completed, diverged, requeued,
/// failed) and why.
/// </summary>
[GenerateSerializer, Immutable, Alias("NasNet.AttemptView")]
public sealed record AttemptView(
    [property: Id(0)] int Attempt,
    [property: Id(1)] string? TrainerId,
    [property: Id(2)] string? LeaseId,
    [property: Id(3)] int ResumedFromEpoch,
    [property: Id(4)] int Epochs,
    [property: Id(5)] string Outcome,
    [property: Id(6)] string? Reason,
    [property: Id(7)] DateTime? StartedUtc,
    [property: Id(8)] DateTime EndedUtc,
    [property: Id(9)] double Seconds);
