using NasNet.Core;
using NasNet.Core.Campaigns;
using NasNet.Grains.Telemetry;
using CampaignState = NasNet.Grains.Interfaces.CampaignState;
using CandidateStatus = NasNet.Grains.Interfaces.CandidateStatus;

namespace NasNet.Grains.Campaigns;

/// <summary>
/// What a campaign's readers see: the views of its ledger at the instant whose state was stored last. A reader never
/// sees a proposal, lease or result that a failed write and the reload after it would take back.
/// </summary>
internal sealed record CommittedView(CampaignStatus Status, CandidateSummary[] Rows, int[] Ranking, FinalReportView Final);

/// <summary>The wire views of a campaign's ledger: status, candidate rows, the final table and the gauges.</summary>
internal static class LedgerViews
{
    /// <summary>Every reader's view of the ledger as it is now (call at the instant that is being stored).</summary>
    public static CommittedView Snapshot(string id, CampaignConfig config, CandidateLedger l, CandidateRecords records, string host) =>
        new(Status(id, config, l, records, host), Enumerable.Range(0, l.Entries.Count).Select(n => Summary(l, n, records)).ToArray(),
            l.Ranking().ToArray(), Final(l, config));

    /// <summary>The trainers holding leases now, with their epochs (live: renewals are not stored).</summary>
    public static TrainerActivity[] Trainers(CandidateLedger l, CandidateRecords records) =>
        l.RunningNumbers.Select(n => (n, e: l.Entries[n]))
            .Select(x => new TrainerActivity(x.e.TrainerId ?? "?", records.CandidateId(x.n), x.e.Epoch, x.e.TargetEpochs, x.e.LeasedUtc))
            .OrderBy(t => t.TrainerId, StringComparer.Ordinal).ToArray();

    public static CampaignStatus Status(string id, CampaignConfig config, CandidateLedger l, CandidateRecords records, string host)
    {
        var best = l.Best >= 0 ? l.Entries[l.Best] : null;
        var trainers = Trainers(l, records);
        return new CampaignStatus(
            id, config.Name, (CampaignState)l.State, WireEnum.Name(config.Strategy.Kind), config.Budget.Candidates, l.Entries.Count - l.FinalProgress.Total, l.Done, l.Failed,
            l.Pending, l.Running, l.CacheHits, l.Strategy.PolicyVersion, l.Strategy.RewardsApplied, best?.Accuracy, best?.Hash,
            l.Best >= 0 ? records.CandidateId(l.Best) : null, l.RewardMovingAverage, l.Header.StartedUtc, l.Header.EndedUtc,
            trainers, l.Header.Error, l.Header.Resumes, l.Header.StaleReports, host, l.Rejected, l.Header.Promotions,
            l.EpochsTrained, best?.Rung ?? -1, l.Settings.Schedule.Rungs.ToArray(), l.FinalProgress.Done, l.FinalProgress.Failed, l.FinalProgress.Total);
    }

    public static CandidateSummary Summary(CandidateLedger l, int n, CandidateRecords records)
    {
        var e = l.Entries[n];
        return new CandidateSummary(n, records.CandidateId(n), e.Hash, (CandidateStatus)e.Status, e.Reward, e.Attempts,
            e.CacheHitOf >= 0 ? records.CandidateId(e.CacheHitOf) : null, e.PolicyVersion, e.Rung, e.Accuracy, e.Score, e.Params, e.MultAdds,
            e.LatencyMs, e.Epoch, e.Reason);
    }

    public static FinalReportView Final(CandidateLedger l, CampaignConfig config)
    {
        var report = l.FinalReport;
        var final = l.Final;
        var spec = final?.Spec(config.Child);
        var protocol = spec is null ? "" : $"N={spec.Cells}, F={spec.Filters}, {spec.Epochs} epochs on {(spec.TrainSubset is { } t ? $"{t:N0}" : "all")} training images, lr {spec.LearningRate}, {final!.Seeds} seed(s)";
        return new FinalReportView(
            report.Rows.Select(r => new FinalRowView(r.Label, r.Role.ToString(), r.Architecture, r.Seeds, r.Trained, r.TestMean, r.TestStd, r.ValidationMean, r.Params, r.MultAdds, r.LatencyMs)).ToArray(),
            report.BestFound?.Label, report.BestRandom?.Label, report.Complete && report.Rows.Count > 0, protocol);
    }

    public static CampaignGauges Gauges(CandidateLedger l)
    {
        var running = l.State == Core.Campaigns.CampaignState.Running;
        var best = l.Best >= 0 ? l.Entries[l.Best] : null;
        return new CampaignGauges(running ? l.Pending : 0, l.Running, l.Done, l.Failed, l.CacheHits, best?.Accuracy ?? 0, l.Strategy.PolicyVersion, running);
    }

    /// <summary>
    /// The lease of a grant: a search candidate trains to its rung (keeping its checkpoint when a higher rung may
    /// follow); a final-evaluation training carries its own spec (the final size) and row.
    /// </summary>
    public static Lease Lease(string campaignId, string candidateId, string configJson, CampaignConfig config, CandidateLedger ledger, LeaseGrant grant)
    {
        var final = grant.Final is { } w ? ledger.Final!.Spec(config.Child, w.Filters > 0 ? w.Filters : null) : null;
        return new Lease(grant.LeaseId, campaignId, grant.Number, candidateId, grant.Architecture, configJson, grant.Attempt,
            CampaignRules.TrainingSeed(config.Seed, grant.Number, grant.Final), ledger.Settings.LeaseSeconds, grant.TargetEpochs,
            final is null && grant.TargetEpochs < ledger.Settings.Schedule.Rungs[^1], final is null ? null : WorkJson.Write(final), grant.Final?.Label);
    }

    public static TrainedResult ToResult(TrainingReport r) =>
        new(r.Outcome == TrainingOutcome.Diverged, r.ValidationAccuracy, r.Params, r.MultAdds, r.LatencyMs, r.Epochs, r.ResumedFromEpoch, r.TestAccuracy);
}
