using Microsoft.Extensions.Logging;
using NasNet.Core.Campaigns;
using CandidateStatus = NasNet.Grains.Interfaces.CandidateStatus;

namespace NasNet.Grains.Campaigns;

/// <summary>
/// The campaign controller's side of its candidate grains: tells each candidate what the ledger decided (created,
/// result of a rung, re-queued, failed, rejected). Every call is idempotent, so a retried report stores again safely.
/// </summary>
internal sealed class CandidateRecords(IGrainFactory grains, string campaignId, ILogger log)
{
    public string CandidateId(int n) => $"{campaignId}/{n:D5}";

    public ICandidateGrain Candidate(int n) => grains.GetGrain<ICandidateGrain>(CandidateId(n));

    /// <summary>
    /// Carries out the candidate side of <paramref name="events"/>; <paramref name="report"/> is the report a completion
    /// carried (recorded for that candidate and for its waiting cache hits). Returns the calls to await before answering.
    /// </summary>
    public List<Task> Apply(CandidateLedger ledger, IReadOnlyList<LedgerEvent> events, TrainingReport? report)
    {
        var completed = events.Where(x => x is { Kind: LedgerEventKind.Finished, Source: < 0 }).Select(x => (int?)x.Number).FirstOrDefault();
        var work = new List<Task>();
        foreach (var ev in events)
        {
            var n = ev.Number;
            switch (ev.Kind)
            {
                case LedgerEventKind.Added:
                    _ = TryAsync(() => Candidate(n).Init(Init(ledger, n)), n);
                    break;
                case LedgerEventKind.Finished when ev.Source < 0:
                    work.Add(Record(ledger, n, report ?? throw new InvalidOperationException("a result without its report")));
                    break;
                case LedgerEventKind.Finished:
                    // A cache hit: of the completion being reported (its waiters), or of a result stored earlier.
                    work.Add(report is not null && ev.Source == completed ? Record(ledger, n, report) : CopyFirstResultAsync(ledger, n, ev.Source));
                    break;
                case LedgerEventKind.Requeued:
                    log.LogWarning("Campaign {CampaignId} candidate {CandidateId} re-queued: {Reason}", campaignId, CandidateId(n), ev.Reason);
                    work.Add(Candidate(n).MarkPending(Init(ledger, n), ev.Reason ?? ""));
                    break;
                case LedgerEventKind.Failed:
                    log.LogWarning("Campaign {CampaignId} candidate {CandidateId} failed: {Reason}", campaignId, CandidateId(n), ev.Reason);
                    work.Add(Candidate(n).MarkEnded(Init(ledger, n), CandidateStatus.Failed, ev.Reason ?? ""));
                    break;
                case LedgerEventKind.Rejected:
                    work.Add(Candidate(n).MarkEnded(Init(ledger, n), CandidateStatus.Rejected, ev.Reason ?? ""));
                    break;
            }
        }

        return work;
    }

    /// <summary>Records candidate <paramref name="n"/>'s latest rung result from a report.</summary>
    public Task Record(CandidateLedger ledger, int n, TrainingReport report)
    {
        var e = ledger.Entries[n];
        return Candidate(n).RecordResult(Init(ledger, n), Math.Max(0, e.Rung), report, e.Reward, e.CacheHitOf >= 0 ? CandidateId(e.CacheHitOf) : null);
    }

    /// <summary>Best-effort work off the answer's path (a failure is logged; the next call or report retries it).</summary>
    public async Task TryAsync(Func<Task> action, int n, string what = "not initialised yet")
    {
        try
        {
            await action();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            log.LogWarning("Campaign {CampaignId} candidate {CandidateId} {What}: {Error}", campaignId, CandidateId(n), what, ex.Message);
        }
    }

    private CandidateInit Init(CandidateLedger ledger, int n)
    {
        var e = ledger.Entries[n];
        return new CandidateInit(campaignId, n, e.Hash, e.Architecture, e.PolicyVersion);
    }

    /// <summary>A cache hit settled at proposal: records the source's first result for it.</summary>
    private async Task CopyFirstResultAsync(CandidateLedger ledger, int n, int source)
    {
        var view = await Candidate(source).Get();
        if (view.RungResults.Count > 0)
        {
            await Candidate(n).RecordResult(Init(ledger, n), 0, view.RungResults[0], ledger.Entries[n].Reward, CandidateId(source));
        }
    }
}
