namespace NasNet.Grains.Interfaces;

/// <summary>
/// One sampled architecture of a campaign (key: "{campaignId}/{number}"): genotype, lifecycle (pending, training,
/// done, failed or rejected), attempts and its result at each rung it reached. The controller's table decides; this
/// grain keeps the details (the full training reports) that the table does not.
/// </summary>
public interface ICandidateGrain : IGrainWithStringKey
{
    /// <summary>Creates the candidate (idempotent: a second call changes nothing).</summary>
    Task Init(CandidateInit init);

    /// <summary>An attempt failed and the candidate went back to the queue.</summary>
    Task MarkPending(CandidateInit init, string reason);

    /// <summary>The candidate ended without a result: failed for good, or rejected by a cost limit before training.</summary>
    Task MarkEnded(CandidateInit init, CandidateStatus status, string reason);

    /// <summary>Records the result of one rung (idempotent per rung: a second call for the same rung changes nothing).</summary>
    Task RecordResult(CandidateInit init, int rung, TrainingReport report, double reward, string? cacheHitOf);

    [AlwaysInterleave]
    Task<CandidateView> Get();

    /// <summary>The trained weights (state_dict bytes) when the trainer kept them, else null.</summary>
    Task<byte[]?> GetWeights();
}
