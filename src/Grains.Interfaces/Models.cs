namespace NasNet.Grains.Interfaces;

/// <summary>
/// A trainer's claim on one candidate: what to train (genotype and campaign config as JSON, read by Core), the attempt
/// number and the lease id the controller accepts a completion for. Renew before <see cref="Seconds"/> pass. The trainer
/// trains to <see cref="Epochs"/> (an ASHA promotion continues from the candidate's checkpoint), and keeps the checkpoint
/// after the result when <see cref="KeepCheckpoint"/> (the candidate may be promoted further).
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
    [property: Id(8)] double Seconds,
    [property: Id(9)] int Epochs,
    [property: Id(10)] bool KeepCheckpoint,
    [property: Id(11)] string? SpecJson = null,
    [property: Id(12)] string? FinalLabel = null);

/// <summary>How a training ended.</summary>
[GenerateSerializer, Alias("NasNet.TrainingOutcome")]
public enum TrainingOutcome
{
    /// <summary>Trained every epoch.</summary>
    Completed,

    /// <summary>NaN or exploding loss: a result with objective 0, not a retry.</summary>
    Diverged,
}

/// <summary>
/// What a trainer reports for one trained candidate (accuracies are fractions in [0, 1]). <see cref="EpochLosses"/>
/// holds the mean training loss of each epoch this attempt trained (epochs ResumedFromEpoch + 1 .. Epochs); the lease
/// id, attempt number and start time identify the attempt on the candidate's page. <see cref="OneDnnFallbackSteps"/>
/// counts training steps a non-finite oneDNN kernel result made the trainer re-run without oneDNN.
/// </summary>
[GenerateSerializer, Immutable, Alias("NasNet.TrainingReport")]
public sealed record TrainingReport(
    [property: Id(0)] TrainingOutcome Outcome,
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
    [property: Id(13)] bool HasWeights,
    [property: Id(14)] int OneDnnFallbackSteps = 0,
    [property: Id(15)] IReadOnlyList<double>? EpochLosses = null,
    [property: Id(16)] string? LeaseId = null,
    [property: Id(17)] int Attempt = 0,
    [property: Id(18)] DateTime? StartedUtc = null);

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
    [property: Id(2)] CampaignState State,
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
    [property: Id(23)] string Host,
    [property: Id(24)] int Rejected,
    [property: Id(25)] int Promotions,
    [property: Id(26)] long EpochsTrained,
    [property: Id(27)] int BestRung,
    [property: Id(28)] IReadOnlyList<int> Rungs,
    [property: Id(29)] int FinalDone,
    [property: Id(30)] int FinalFailed,
    [property: Id(31)] int FinalTotal);

/// <summary>
/// One row of a campaign's final evaluation: an architecture retrained under the final protocol with several seeds.
/// Accuracies are fractions; <see cref="TestStd"/> is the sample standard deviation over the seeds trained.
/// </summary>
[GenerateSerializer, Immutable, Alias("NasNet.FinalRowView")]
public sealed record FinalRowView(
    [property: Id(0)] string Label,
    [property: Id(1)] string Role,
    [property: Id(2)] string Architecture,
    [property: Id(3)] int Seeds,
    [property: Id(4)] int Trained,
    [property: Id(5)] double? TestMean,
    [property: Id(6)] double? TestStd,
    [property: Id(7)] double? ValidationMean,
    [property: Id(8)] long Params,
    [property: Id(9)] long MultAdds,
    [property: Id(10)] double LatencyMs);

/// <summary>A campaign's final table: its rows, the best found and best random rows (chosen by validation accuracy).</summary>
[GenerateSerializer, Immutable, Alias("NasNet.FinalReportView")]
public sealed record FinalReportView(
    [property: Id(0)] IReadOnlyList<FinalRowView> Rows,
    [property: Id(1)] string? BestFound,
    [property: Id(2)] string? BestRandom,
    [property: Id(3)] bool Complete,
    [property: Id(4)] string Protocol);

/// <summary>
/// One candidate in a campaign's table (compact; details live in the candidate grain). <see cref="Rung"/> is the
/// highest rung reached (-1: none yet), <see cref="Accuracy"/> the validation accuracy there, <see cref="Score"/> the
/// objective there (the accuracy, cost-shaped when the campaign shapes) and <see cref="Reward"/> what the strategy
/// learnt from (the first rung's objective).
/// </summary>
[GenerateSerializer, Immutable, Alias("NasNet.CandidateSummary")]
public sealed record CandidateSummary(
    [property: Id(0)] int Number,
    [property: Id(1)] string CandidateId,
    [property: Id(2)] string Hash,
    [property: Id(3)] CandidateStatus Status,
    [property: Id(4)] double Reward,
    [property: Id(5)] int Attempts,
    [property: Id(6)] string? CacheHitOf,
    [property: Id(7)] int PolicyVersion,
    [property: Id(8)] int Rung,
    [property: Id(9)] double Accuracy,
    [property: Id(10)] double Score,
    [property: Id(11)] long Params,
    [property: Id(12)] long MultAdds,
    [property: Id(13)] double LatencyMs,
    [property: Id(14)] int Epochs,
    [property: Id(15)] string? Reason);

/// <summary>Everything known about one candidate (<see cref="History"/>: every attempt recorded, oldest first).</summary>
[GenerateSerializer, Immutable, Alias("NasNet.CandidateView")]
public sealed record CandidateView(
    [property: Id(0)] string CandidateId,
    [property: Id(1)] string CampaignId,
    [property: Id(2)] int Number,
    [property: Id(3)] string Hash,
    [property: Id(4)] string GenotypeJson,
    [property: Id(5)] CandidateStatus Status,
    [property: Id(6)] int Attempts,
    [property: Id(7)] string? TrainerId,
    [property: Id(8)] TrainingReport? Result,
    [property: Id(9)] string? CacheHitOf,
    [property: Id(10)] double Reward,
    [property: Id(11)] string? FailureReason,
    [property: Id(12)] int PolicyVersion,
    [property: Id(13)] int ResultsRecorded,
    [property: Id(14)] IReadOnlyList<TrainingReport> RungResults,
    [property: Id(15)] IReadOnlyList<AttemptView>? History = null);

/// <summary>The values a candidate grain is created with.</summary>
[GenerateSerializer, Immutable, Alias("NasNet.CandidateInit")]
public sealed record CandidateInit(
    [property: Id(0)] string CampaignId,
    [property: Id(1)] int Number,
    [property: Id(2)] string Hash,
    [property: Id(3)] string GenotypeJson,
    [property: Id(4)] int PolicyVersion);

/// <summary>Where a candidate is in its life (the domain's <c>NasNet.Core.Campaigns.CandidateStatus</c>, on the wire).</summary>
[GenerateSerializer, Alias("NasNet.CandidateStatus")]
public enum CandidateStatus
{
    /// <summary>Queued (or waiting for an identical candidate's result).</summary>
    Pending,

    /// <summary>Leased to a trainer.</summary>
    Training,

    /// <summary>Has a result.</summary>
    Done,

    /// <summary>Failed every attempt; never rewarded.</summary>
    Failed,

    /// <summary>Over a cost limit known before training: never trained, reward 0.</summary>
    Rejected,
}

/// <summary>Where a campaign is in its life (the domain's <c>NasNet.Core.Campaigns.CampaignState</c>, on the wire).</summary>
[GenerateSerializer, Alias("NasNet.CampaignState")]
public enum CampaignState
{
    /// <summary>Proposing and training.</summary>
    Running,

    /// <summary>The budget is spent and every candidate has ended.</summary>
    Completed,

    /// <summary>Stopped by the user (resumable).</summary>
    Stopped,

    /// <summary>Could not make progress; the reason is in <see cref="CampaignStatus.Error"/>.</summary>
    Failed,
}

/// <summary>Lowercase names of the wire enums, as the console and JSON print them.</summary>
public static class WireNames
{
    public static string Name(this CandidateStatus s) => s.ToString().ToLowerInvariant();

    public static string Name(this CampaignState s) => s.ToString().ToLowerInvariant();

    public static string Name(this TrainingOutcome o) => o.ToString().ToLowerInvariant();
}
