using System.Text.Json.Serialization;

namespace NasNet.Core.Campaigns;

/// <summary>Where a candidate is in its life.</summary>
public enum CandidateStatus
{
    /// <summary>Queued: waiting for a trainer (or for the result of an identical candidate: a cache hit).</summary>
    Pending,

    /// <summary>Leased to a trainer.</summary>
    Training,

    /// <summary>Has a result (at its highest rung so far; an ASHA promotion may train it further).</summary>
    Done,

    /// <summary>Failed every attempt; never rewarded.</summary>
    Failed,

    /// <summary>Over a cost limit known before training (params, mult-adds): never trained, reward 0.</summary>
    Rejected,
}

/// <summary>Where a campaign is in its life.</summary>
public enum CampaignState
{
    /// <summary>Proposing and training.</summary>
    Running,

    /// <summary>The budget is spent and every candidate has ended.</summary>
    Completed,

    /// <summary>Stopped by the user (resumable).</summary>
    Stopped,

    /// <summary>Could not make progress (every candidate failed); the reason is in the status.</summary>
    Failed,
}

/// <summary>
/// One candidate as the campaign's ledger tracks it: its architecture, lease, rung and result summary (the full
/// training report lives in the candidate grain). Stored in pages of the controller's table.
/// </summary>
public sealed class CandidateEntry
{
    /// <summary>Canonical hash of the architecture (isomorphic cells hash equal: cache hits).</summary>
    public string Hash { get; set; } = "";

    /// <summary>The architecture in its serialized form (what a lease carries to the trainer).</summary>
    public string Architecture { get; set; } = "";

    /// <summary>The strategy's sample id (rewards are applied to it once).</summary>
    public long SampleId { get; set; }

    public int PolicyVersion { get; set; }

    public CandidateStatus Status { get; set; }

    /// <summary>Attempts at the current work (reset when promoted to a new rung).</summary>
    public int Attempts { get; set; }

    /// <summary>The current lease, or the lease whose result was recorded last (duplicate reports are recognised by it).</summary>
    public string? LeaseId { get; set; }

    public string? TrainerId { get; set; }

    public DateTime LeasedUtc { get; set; }

    /// <summary>Epochs trained so far (renewals report progress; a result sets it).</summary>
    public int Epoch { get; set; }

    /// <summary>Epochs the current or next lease trains to (the next rung's epochs).</summary>
    public int TargetEpochs { get; set; }

    /// <summary>Validation accuracy at each rung reached, in order (ASHA; one entry without a schedule).</summary>
    public List<double> RungAccuracies { get; set; } = [];

    /// <summary>The objective (accuracy, cost-shaped when the campaign shapes) at each rung reached.</summary>
    public List<double> RungScores { get; set; } = [];

    /// <summary>Promoted past its highest rung (queued or training for the next rung, or that promotion failed).</summary>
    public bool Promoted { get; set; }

    /// <summary>The reward the strategy observed (first rung's objective), 0 for failed or rejected candidates.</summary>
    public double Reward { get; set; }

    public long Params { get; set; }

    public long MultAdds { get; set; }

    /// <summary>Inference latency measured by the trainer (ms, batch 1), 0 when not measured.</summary>
    public double LatencyMs { get; set; }

    /// <summary>The candidate whose result this one reuses, or -1.</summary>
    public int CacheHitOf { get; set; } = -1;

    public bool RewardApplied { get; set; }

    /// <summary>The position of this candidate's reward in the order rewards were applied, or -1.</summary>
    public int RewardSeq { get; set; } = -1;

    /// <summary>Why it failed or was rejected (or the last failed attempt's reason).</summary>
    public string? Reason { get; set; }

    /// <summary>Test accuracy (final-evaluation trainings only: the search never looks at the test set).</summary>
    public double? TestAccuracy { get; set; }

    /// <summary>The final-evaluation row and seed this entry trains, or null for a search candidate.</summary>
    public FinalWork? Final { get; set; }

    /// <summary>In memory only: when the current lease expires.</summary>
    [JsonIgnore]
    public DateTime ExpiresUtc { get; set; }

    /// <summary>Highest rung reached (-1: none).</summary>
    [JsonIgnore]
    public int Rung => RungAccuracies.Count - 1;

    /// <summary>Validation accuracy at the highest rung reached (0 when none).</summary>
    [JsonIgnore]
    public double Accuracy => RungAccuracies.Count == 0 ? 0 : RungAccuracies[^1];

    /// <summary>The objective at the highest rung reached (0 when none).</summary>
    [JsonIgnore]
    public double Score => RungScores.Count == 0 ? 0 : RungScores[^1];

    /// <summary>A copy of the entry as it is now.</summary>
    public CandidateEntry Copy()
    {
        var copy = (CandidateEntry)MemberwiseClone();
        copy.RungAccuracies = [.. RungAccuracies];
        copy.RungScores = [.. RungScores];
        return copy;
    }
}

/// <summary>The campaign-wide fields of a ledger that are stored beside its pages.</summary>
public sealed record LedgerHeader
{
    public CampaignState State { get; init; } = CampaignState.Running;

    public DateTime StartedUtc { get; init; }

    public DateTime? EndedUtc { get; init; }

    /// <summary>Why the campaign failed, or null.</summary>
    public string? Error { get; init; }

    /// <summary>Completions that resumed from a checkpoint epoch.</summary>
    public int Resumes { get; init; }

    /// <summary>Late or duplicate reports from stale leases, ignored.</summary>
    public int StaleReports { get; init; }

    /// <summary>ASHA promotions granted.</summary>
    public int Promotions { get; init; }

    /// <summary>The final evaluation was planned (its entries follow the search's in the table).</summary>
    public bool FinalStarted { get; init; }

    /// <summary>The settings of the final evaluation once it started.</summary>
    public FinalSettings? Final { get; init; }
}

/// <summary>What a trainer reported, as the ledger weighs it (the grain keeps the full report).</summary>
/// <param name="Diverged">NaN or exploding loss: objective 0.</param>
/// <param name="ValidationAccuracy">Accuracy in [0, 1] on the held-out validation images.</param>
/// <param name="Params">Trainable parameters of the child.</param>
/// <param name="MultAdds">Multiply-adds of one image.</param>
/// <param name="LatencyMs">Measured inference latency (batch 1), 0 when not measured.</param>
/// <param name="Epochs">Epochs trained in total (the rung reached).</param>
/// <param name="ResumedFromEpoch">The checkpoint epoch the attempt started from (0: from scratch).</param>
/// <param name="TestAccuracy">Test accuracy when the training evaluated the test set (final evaluation), else null.</param>
public sealed record TrainedResult(bool Diverged, double ValidationAccuracy, long Params, long MultAdds, double LatencyMs, int Epochs, int ResumedFromEpoch, double? TestAccuracy = null);

/// <summary>A lease the ledger granted: what the trainer trains, to which epoch (and, in the final evaluation, which row).</summary>
public sealed record LeaseGrant(int Number, string LeaseId, int Attempt, int TargetEpochs, string Architecture, DateTime ExpiresUtc, FinalWork? Final = null);

/// <summary>The ledger's answer to a report.</summary>
public enum ReportOutcome
{
    /// <summary>Recorded (the reward applied, once).</summary>
    Accepted,

    /// <summary>The result of this lease was already recorded: nothing changed.</summary>
    Duplicate,

    /// <summary>Not the candidate's current lease: ignored.</summary>
    Stale,
}
