namespace NasNet.Grains.Interfaces;

/// <summary>
/// A trainer's claim on one candidate: what to train (genotype and campaign config as JSON, read by Core), the attempt
/// number and the lease id the controller accepts a completion for. Renew before <see cref="Seconds"/> pass.
/// </summary>
[GenerateSerializer, Immutable, Alias("NasNet.Lease")]
public sealed record Lease(
    [property: Id(0)] string LeaseId,
    [property: Id(1)] string CampaignId,
    [property: Id(2)] int Number,
    [property: Id(3)] string CandidateId,
    [property: Id(4)] string GenotypeJson,
    [property: Id(5)] string ConfigJson,
    [property: Id(6)] int Attempt,
    [property: Id(7)] long Seed,
    [property: Id(8)] double Seconds);

/// <summary>What a trainer reports for one trained candidate (accuracies are fractions in [0, 1]).</summary>
[GenerateSerializer, Immutable, Alias("NasNet.TrainingReport")]
public sealed record TrainingReport(
    [property: Id(0)] string Outcome,
    [property: Id(1)] double ValidationAccuracy,
    [property: Id(2)] double? TestAccuracy,
    [property: Id(3)] long Params,
    [property: Id(4)] long MultAdds,
    [property: Id(5)] double LatencyMs,
    [property: Id(6)] double ThroughputImagesPerSecond,
    [property: Id(7)] int Epochs,
    [property: Id(8)] double Seconds,
    [property: Id(9)] double ImagesPerSecond,
    [property: Id(10)] string? Reason,
    [property: Id(11)] string TrainerId,
    [property: Id(12)] int ResumedFromEpoch,
    [property: Id(13)] bool HasWeights);

/// <summary>The controller's answer to a completion or failure report.</summary>
[GenerateSerializer, Alias("NasNet.LeaseAck")]
public enum LeaseAck
{
    /// <summary>Recorded (and the reward applied, once).</summary>
    Accepted,

    /// <summary>Already recorded for this lease: nothing changed.</summary>
    Duplicate,

    /// <summary>Not the candidate's current lease (expired and re-leased, or campaign gone): ignored.</summary>
    Stale,
}

/// <summary>What one trainer slot is doing right now.</summary>
[GenerateSerializer, Immutable, Alias("NasNet.TrainerActivity")]
public sealed record TrainerActivity(
    [property: Id(0)] string TrainerId,
    [property: Id(1)] string CandidateId,
    [property: Id(2)] int Epoch,
    [property: Id(3)] int Epochs,
    [property: Id(4)] DateTime SinceUtc);

/// <summary>A campaign's progress, as `campaign status --json` prints it.</summary>
[GenerateSerializer, Immutable, Alias("NasNet.CampaignStatus")]
public sealed record CampaignStatus(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string State,
    [property: Id(3)] string Strategy,
    [property: Id(4)] int Budget,
    [property: Id(5)] int Proposed,
    [property: Id(6)] int Completed,
    [property: Id(7)] int Failed,
    [property: Id(8)] int Pending,
    [property: Id(9)] int Running,
    [property: Id(10)] int CacheHits,
    [property: Id(11)] int PolicyUpdates,
    [property: Id(12)] int RewardsApplied,
    [property: Id(13)] double? BestAccuracy,
    [property: Id(14)] string? BestHash,
    [property: Id(15)] string? BestCandidateId,
    [property: Id(16)] double RewardMovingAverage,
    [property: Id(17)] DateTime StartedUtc,
    [property: Id(18)] DateTime? EndedUtc,
    [property: Id(19)] TrainerActivity[] Trainers,
    [property: Id(20)] string? Error,
    [property: Id(21)] int Resumes,
    [property: Id(22)] int StaleReports,
    [property: Id(23)] string Host);

/// <summary>One candidate in a campaign's table (compact; details live in the candidate grain).</summary>
[GenerateSerializer, Immutable, Alias("NasNet.CandidateSummary")]
public sealed record CandidateSummary(
    [property: Id(0)] int Number,
    [property: Id(1)] string CandidateId,
    [property: Id(2)] string Hash,
    [property: Id(3)] string Status,
    [property: Id(4)] double Reward,
    [property: Id(5)] int Attempts,
    [property: Id(6)] string? CacheHitOf,
    [property: Id(7)] int PolicyVersion);

/// <summary>Everything known about one candidate.</summary>
[GenerateSerializer, Immutable, Alias("NasNet.CandidateView")]
public sealed record CandidateView(
    [property: Id(0)] string CandidateId,
    [property: Id(1)] string CampaignId,
    [property: Id(2)] int Number,
    [property: Id(3)] string Hash,
    [property: Id(4)] string GenotypeJson,
    [property: Id(5)] string Status,
    [property: Id(6)] int Attempts,
    [property: Id(7)] string? TrainerId,
    [property: Id(8)] TrainingReport? Result,
    [property: Id(9)] string? CacheHitOf,
    [property: Id(10)] double Reward,
    [property: Id(11)] string? FailureReason,
    [property: Id(12)] int PolicyVersion,
    [property: Id(13)] int ResultsRecorded);

/// <summary>The values a candidate grain is created with.</summary>
[GenerateSerializer, Immutable, Alias("NasNet.CandidateInit")]
public sealed record CandidateInit(
    [property: Id(0)] string CampaignId,
    [property: Id(1)] int Number,
    [property: Id(2)] string Hash,
    [property: Id(3)] string GenotypeJson,
    [property: Id(4)] int PolicyVersion);

/// <summary>Candidate lifecycle names (pending, training, done, failed).</summary>
public static class CandidateStatuses
{
    public const string Pending = "pending";
    public const string Training = "training";
    public const string Done = "done";
    public const string Failed = "failed";
}

/// <summary>Campaign state names (running, completed, stopped, failed).</summary>
public static class CampaignStates
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Stopped = "stopped";
    public const string Failed = "failed";
}
