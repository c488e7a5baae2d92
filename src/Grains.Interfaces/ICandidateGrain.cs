namespace NasNet.Grains.Interfaces;

/// <summary>
/// One sampled architecture of a campaign (key: "{campaignId}/{number}"): genotype, lifecycle
/// (pending, training, done or failed), attempts and result.
/// </summary>
public interface ICandidateGrain : IGrainWithStringKey
{
    Task Init(CandidateInit init);

    /// <summary>Marks a training attempt by a trainer (in memory: only results and failures are stored); returns the genotype JSON.</summary>
    Task<string> MarkTraining(string trainerId, int attempt);

    Task MarkPending(string reason);

    Task MarkFailed(string reason);

    /// <summary>Records the result (idempotent per candidate: a second call changes nothing).</summary>
    Task RecordResult(TrainingReport report, double reward, string? cacheHitOf);

    [AlwaysInterleave]
    Task<CandidateView> Get();

    /// <summary>The trained weights (state_dict bytes) when the trainer kept them, else null.</summary>
    Task<byte[]?> GetWeights();
}
