namespace NasNet.Grains.Campaigns;

/// <summary>
/// The controller's read-only queries for the silo's web page (<see cref="ICampaignQueryGrain"/>), answered by a
/// <see cref="LedgerQueries"/> over the campaign's ledger. Nothing here changes the campaign.
/// </summary>
public sealed partial class CampaignGrain : ICampaignQueryGrain
{
    private LedgerQueries? _queries;

    /// <summary>The queries over the current ledger (a new one, with empty caches, when the ledger was replaced).</summary>
    private LedgerQueries Queries => _queries is { } q && ReferenceEquals(q.Ledger, Ledger) ? q : _queries = new LedgerQueries(Ledger, _config!, Records);

    public Task<CandidatePage> QueryCandidates(CandidateQuery query) => Task.FromResult(Queries.QueryCandidates(query));

    public Task<CandidateSummary?> FindCandidate(int number) => Task.FromResult(Queries.FindCandidate(number));

    public Task<CampaignCharts> GetCharts(int maxPoints) => Task.FromResult(Queries.GetCharts(maxPoints));
}
