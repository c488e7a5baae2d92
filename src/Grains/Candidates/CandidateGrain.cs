using NasNet.Grains.Storage;

namespace NasNet.Grains.Candidates;

/// <summary>The persisted state of a candidate grain.</summary>
[GenerateSerializer, Alias("NasNet.CandidateState")]
public sealed class CandidateState
{
    [Id(0)] public CandidateInit? Init { get; set; }

    [Id(1)] public CandidateStatus Status { get; set; } = CandidateStatus.Pending;

    [Id(3)] public string? TrainerId { get; set; }

    /// <summary>The result of each rung reached, in order (one without a schedule).</summary>
    [Id(4)] public List<TrainingReport> Results { get; set; } = [];

    [Id(5)] public double Reward { get; set; }

    [Id(6)] public string? CacheHitOf { get; set; }

    [Id(7)] public string? FailureReason { get; set; }

    /// <summary>Attempts that failed (the candidate was re-queued or failed for good).</summary>
    [Id(8)] public int FailedAttempts { get; set; }

    /// <summary>Every attempt recorded (results and failures), oldest first; cache hits record none.</summary>
    [Id(9)] public List<AttemptView> History { get; set; } = [];
}

/// <summary>One sampled architecture: genotype, lifecycle and results (see <see cref="ICandidateGrain"/>).</summary>
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
        if (S.Init is null)
        {
            S.Init = init;
            await WriteAsync();
        }
    }

    public async Task MarkPending(CandidateInit init, string reason)
    {
        S.Init ??= init;
        if (S.Status is CandidateStatus.Pending or CandidateStatus.Training or CandidateStatus.Done)
        {
            S.Status = S.Results.Count > 0 ? CandidateStatus.Done : CandidateStatus.Pending; // a failed promotion keeps its result
            S.FailureReason = reason;
            S.FailedAttempts++;
            S.History.Add(Failure("requeued", reason));
            await WriteAsync();
        }
    }

    public async Task MarkEnded(CandidateInit init, CandidateStatus status, string reason)
    {
        S.Init ??= init;
        if (S.Results.Count == 0 && S.Status != status)
        {
            S.Status = status;
            S.FailureReason = reason;
            S.FailedAttempts += status == CandidateStatus.Failed ? 1 : 0;
            if (status == CandidateStatus.Failed)
            {
                S.History.Add(Failure("failed", reason));
            }

            await WriteAsync();
        }
    }

    public async Task RecordResult(CandidateInit init, int rung, TrainingReport report, double reward, string? cacheHitOf)
    {
        S.Init ??= init;
        if (rung < S.Results.Count)
        {
            return; // a retry after a lost answer
        }

        S.Status = CandidateStatus.Done;
        S.Results.Add(report);
        S.Reward = S.Results.Count == 1 ? reward : S.Reward;
        S.CacheHitOf = cacheHitOf;
        S.TrainerId = cacheHitOf is null ? report.TrainerId : S.TrainerId;
        S.FailureReason = null;
        if (cacheHitOf is null)
        {
            S.History.Add(new AttemptView(report.Attempt, report.TrainerId, report.LeaseId, report.ResumedFromEpoch, report.Epochs,
                report.Outcome.Name(), report.Reason, report.StartedUtc, DateTime.UtcNow, report.Seconds));
        }

        await WriteAsync();
    }

    /// <summary>
    /// A failed attempt: the controller's reason ends with "(trainer X)" (an expired lease, or a trainer's report of
    /// its failure), which names the trainer.
    /// </summary>
    private static AttemptView Failure(string outcome, string reason)
    {
        const string marker = "(trainer ";
        var at = reason.LastIndexOf(marker, StringComparison.Ordinal);
        var trainer = at >= 0 && reason.EndsWith(')') ? reason[(at + marker.Length)..^1] : null;
        return new AttemptView(0, trainer, null, 0, 0, outcome, reason, null, DateTime.UtcNow, 0);
    }

    public Task<CandidateView> Get()
    {
        var init = S.Init ?? throw new InvalidOperationException($"candidate {this.GetPrimaryKeyString()} does not exist");
        return Task.FromResult(new CandidateView(
            this.GetPrimaryKeyString(), init.CampaignId, init.Number, init.Hash, init.GenotypeJson, S.Status,
            S.FailedAttempts + S.Results.Count, S.TrainerId, S.Results.LastOrDefault(), S.CacheHitOf, S.Reward,
            S.FailureReason, init.PolicyVersion, S.Results.Count, S.Results.ToArray(), S.History.ToArray()));
    }

    public Task<byte[]?> GetWeights() =>
        checkpoints.LoadWeightsAsync(S.CacheHitOf ?? this.GetPrimaryKeyString());
}
