namespace NasNet.Grains.Interfaces;

/// <summary>
/// The controller of one campaign (key: campaign id): holds the search strategy, proposes candidates, hands out
/// leases, applies each candidate's reward exactly once, keeps the leaderboard and progress, honours stop/resume.
/// </summary>
public interface ICampaignGrain : IGrainWithStringKey
{
    /// <summary>Starts the campaign from a config JSON (validated here; a bad one throws a one-line error).</summary>
    Task<CampaignStatus> Start(string configJson);

    [AlwaysInterleave]
    Task<CampaignStatus> GetStatus();

    /// <summary>Every candidate (compact rows), in order.</summary>
    [AlwaysInterleave]
    Task<CandidateSummary[]> GetCandidates();

    /// <summary>Trained candidates ranked as the leaderboard shows them (highest rung, then objective), from <paramref name="skip"/>.</summary>
    [AlwaysInterleave]
    Task<CandidateSummary[]> GetLeaderboard(int skip, int take);

    Task<CampaignStatus> Stop();

    /// <summary>
    /// Starts the final evaluation of a completed search (settings JSON in the config's "final" section form; null = the
    /// config's section, else the defaults); a one-line error when it already ran or the search is not done.
    /// </summary>
    Task<CampaignStatus> Evaluate(string? finalJson);

    /// <summary>The final table so far (no rows before an evaluation started).</summary>
    [AlwaysInterleave]
    Task<FinalReportView> GetFinalReport();

    Task<CampaignStatus> Resume();

    /// <summary>A lease on the next candidate, or null when nothing is pending (or the campaign is not running).</summary>
    Task<Lease?> TryLease(string trainerId);

    /// <summary>Extends a lease and records progress; false when the lease is no longer current (stop training).</summary>
    Task<bool> Renew(string leaseId, int number, int epoch);

    /// <summary>Records a result for the current lease; a stale or repeated one changes nothing.</summary>
    Task<LeaseAck> Complete(string leaseId, int number, TrainingReport report);

    /// <summary>Reports a failed attempt: re-queued (attempt + 1) or failed after the maximum attempts.</summary>
    Task<LeaseAck> Fail(string leaseId, int number, string reason);

    /// <summary>Gives a lease back without penalty (silo draining); the candidate resumes from its checkpoint.</summary>
    Task Release(string leaseId, int number);

    /// <summary>Activates the controller (reminders and the broker use it to re-drive after restarts).</summary>
    Task Wake();
}
