using NasNet.Grains.Storage;
using Orleans.Runtime;

namespace NasNet.Grains.Candidates;

/// <summary>The persisted state of a candidate grain.</summary>
[GenerateSerializer, Alias("NasNet.CandidateState")]
public sealed class CandidateState
{
    [Id(0)] public CandidateInit? Init { get; set; }

    [Id(1)] public string Status { get; set; } = CandidateStatuses.Pending;

    [Id(2)] public int Attempts { get; set; }

    [Id(3)] public string? TrainerId { get; set; }

    [Id(4)] public TrainingReport? Result { get; set; }

    [Id(5)] public double Reward { get; set; }

    [Id(6)] public string? CacheHitOf { get; set; }

    [Id(7)] public string? FailureReason { get; set; }

    /// <summary>How many results were recorded (stays 1: a second report is ignored).</summary>
    [Id(8)] public int ResultsRecorded { get; set; }
}

/// <summary>One sampled architecture: genotype, lifecycle, attempts and result (see <see cref="ICandidateGrain"/>).</summary>
public sealed class CandidateGrain(
    [PersistentState("candidate", "nasnet")] IPersistentState<CandidateState> state,
    ICheckpointStore checkpoints) : Grain, ICandidateGrain
{
    private CandidateState S => state.State;

    /// <summary>
    /// Writes the state; after a failed write (storage down, timed out) the stored etag is unknown, so the activation
    /// is dropped and the next call starts from what storage holds. Callers retry until acknowledged.
    /// </summary>
    private async Task WriteAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    public async Task Init(CandidateInit init)
    {
        if (S.Init is not null)
        {
            return;
        }

        S.Init = init;
        await WriteAsync();
    }

    public Task<string> MarkTraining(string trainerId, int attempt)
    {
        var init = S.Init ?? throw new InvalidOperationException($"candidate {this.GetPrimaryKeyString()} was never initialised");
        if (S.Status != CandidateStatuses.Done)
        {
            // Not stored: the controller's table decides who trains what; a result or failure is stored.
            S.Status = CandidateStatuses.Training;
            S.TrainerId = trainerId;
            S.Attempts = attempt;
        }

        return Task.FromResult(init.GenotypeJson);
    }

    public async Task MarkPending(string reason)
    {
        if (S.Status == CandidateStatuses.Training)
        {
            S.Status = CandidateStatuses.Pending;
            S.FailureReason = reason;
            await WriteAsync();
        }
    }

    public async Task MarkFailed(string reason)
    {
        if (S.Status != CandidateStatuses.Done)
        {
            S.Status = CandidateStatuses.Failed;
            S.FailureReason = reason;
            await WriteAsync();
        }
    }

    public async Task RecordResult(TrainingReport report, double reward, string? cacheHitOf)
    {
        if (S.ResultsRecorded > 0)
        {
            return;
        }

        S.Status = CandidateStatuses.Done;
        S.Result = report;
        S.Reward = reward;
        S.CacheHitOf = cacheHitOf;
        S.TrainerId = cacheHitOf is null ? report.TrainerId : S.TrainerId;
        S.ResultsRecorded = 1;
        await WriteAsync();
    }

    public Task<CandidateView> Get()
    {
        var init = S.Init ?? throw new InvalidOperationException($"candidate {this.GetPrimaryKeyString()} does not exist");
        return Task.FromResult(new CandidateView(
            this.GetPrimaryKeyString(), init.CampaignId, init.Number, init.Hash, init.GenotypeJson, S.Status, S.Attempts,
            S.TrainerId, S.Result, S.CacheHitOf, S.Reward, S.FailureReason, init.PolicyVersion, S.ResultsRecorded));
    }

    public Task<byte[]?> GetWeights() =>
        checkpoints.LoadWeightsAsync(S.CacheHitOf ?? this.GetPrimaryKeyString());
}
