namespace NasNet.Grains.Interfaces;

/// <summary>
/// Read-only queries of one campaign's controller (key: campaign id; the same activation as <see cref="ICampaignGrain"/>)
/// for the silo's web page: paged and sorted candidate rows, one row by number, and the series behind the page's
/// charts. Every answer is bounded in size whatever the campaign's size, so a 20,000-candidate campaign stays fast.
/// </summary>
public interface ICampaignQueryGrain : IGrainWithStringKey
{
    /// <summary>One page of candidates, filtered and sorted as <paramref name="query"/> says.</summary>
    [AlwaysInterleave]
    Task<CandidatePage> QueryCandidates(CandidateQuery query);

    /// <summary>The row of candidate <paramref name="number"/>, or null when there is no such candidate.</summary>
    [AlwaysInterleave]
    Task<CandidateSummary?> FindCandidate(int number);

    /// <summary>The page's chart series, each downsampled to at most about <paramref name="maxPoints"/> points.</summary>
    [AlwaysInterleave]
    Task<CampaignCharts> GetCharts(int maxPoints);
}
