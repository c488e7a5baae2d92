using System.Text.Json.Nodes;
using NasNet.Cluster.Tests.Infrastructure;
using NasNet.Cluster.Tests.InProcess;
using Xunit.Abstractions;

namespace NasNet.Cluster.Tests.Web;

/// <summary>
/// A paper-sized campaign (20,000 simulated candidates, 0 s epochs) in an embedded silo: the campaign page's first
/// screen, as headless Chromium loads it, stays within a fixed number of bytes (every chart is downsampled, the
/// leaderboard is paged), about what a 40-candidate campaign's page costs. Timing is in bench/RESULTS.md, not here.
/// </summary>
public sealed class LargeCampaignPageTests(ITestOutputHelper output)
{
    /// <summary>The first screen's bytes on the wire (HTML, CSS, script, JSON, cell diagrams; headers included).</summary>
    public const long MaxFirstScreenBytes = 128 * 1024;

    private const int Candidates = 20_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task FirstScreen_Of20000Candidates_HasABoundedPayload()
    {
        await using var silo = await TestClusters.StartEmbeddedAsync("web-large", slots: 16);
        var grains = silo.Client;
        await grains.GetGrain<ICampaignGrain>("small").Start(TestClusters.Config(40, epochs: 1, secondsPerEpoch: 0, leaseSeconds: 60));
        await grains.GetGrain<ICampaignGrain>("large").Start(TestClusters.Config(Candidates, epochs: 1, secondsPerEpoch: 0, leaseSeconds: 60));
        var small = await TestClusters.WaitDoneAsync(grains, "small", TimeSpan.FromMinutes(2));
        var large = await TestClusters.WaitDoneAsync(grains, "large", TimeSpan.FromMinutes(10));
        Assert.Equal((CampaignState.Completed, Candidates), (large.State, large.Completed + large.Failed));
        Assert.Equal(40, small.Completed + small.Failed);

        await using var browser = await ChromiumSession.StartAsync(1400, 1000, Timeout);
        var smallBytes = await FirstScreenAsync(browser, new Uri(new Uri(silo.HttpAddress!), "/campaigns/small"));
        var largeBytes = await FirstScreenAsync(browser, new Uri(new Uri(silo.HttpAddress!), "/campaigns/large"));
        var view = browser.Responses.First(r => r.Url.Contains("/view.json", StringComparison.Ordinal));
        var page = browser.Responses.First(r => r.Url.Contains("/candidates.json", StringComparison.Ordinal));

        Assert.Equal("20,000", await browser.EvaluateAsync<string>("document.querySelector('#done').textContent"));
        Assert.Contains("page 1 of 1,000", await browser.EvaluateAsync<string>("document.querySelector('#lb-pager').textContent"), StringComparison.Ordinal);
        Assert.Equal(20, await browser.EvaluateAsync<int>("document.querySelectorAll('#leaderboard tbody td.rank').length"));
        Assert.InRange(await browser.EvaluateAsync<int>("document.querySelectorAll('#reward-chart circle.pt').length"), 100, 400); // buckets, not 20,000 points
        Assert.InRange(await browser.EvaluateAsync<int>("document.querySelectorAll('#cost-multadds circle').length"), 100, 600);
        Assert.True(largeBytes <= MaxFirstScreenBytes, $"first screen of {Candidates:N0} candidates: {largeBytes:N0} bytes > {MaxFirstScreenBytes:N0}");
        Assert.True(view.EncodedBytes <= 48 * 1024, $"view.json: {view.EncodedBytes:N0} bytes");
        Assert.True(page.EncodedBytes <= 8 * 1024, $"candidates.json: {page.EncodedBytes:N0} bytes");
        Assert.True(largeBytes <= 2 * smallBytes, $"{largeBytes:N0} bytes at {Candidates:N0} candidates vs {smallBytes:N0} at 40");

        // The last page of the leaderboard is one request away (paged on the server, not in the browser).
        using var http = new HttpClient { BaseAddress = new Uri(silo.HttpAddress!) };
        var last = JsonNode.Parse(await http.GetStringAsync("/campaigns/large/candidates.json?skip=19990&take=20"))!;
        Assert.Equal(10, last["rows"]!.AsArray().Count);
        Assert.Equal(large.Completed, last["total"]!.GetValue<int>());

        // Both Pareto fronts are complete in the downsampled scatter, and equal to the front of all 20,000 points.
        var query = grains.GetGrain<ICampaignQueryGrain>("large");
        var charts = await query.GetCharts(400);
        var rows = new List<CandidateSummary>();
        for (var skip = 0; skip < large.Completed; skip += 200)
        {
            rows.AddRange((await query.QueryCandidates(new CandidateQuery(CandidateFilter.Trained, CandidateSort.Number, false, skip, 200))).Rows);
        }

        Assert.Equal(charts.Cost.Trained, rows.Count);
        foreach (var (bit, cost) in new (int, Func<CandidateSummary, double>)[] { (1, r => r.MultAdds), (2, r => r.LatencyMs) })
        {
            var expected = new List<int>();
            var best = double.NegativeInfinity;
            foreach (var r in rows.Where(r => cost(r) > 0).OrderBy(cost).ThenByDescending(r => r.Accuracy))
            {
                if (r.Accuracy > best)
                {
                    best = r.Accuracy;
                    expected.Add(r.Number);
                }
            }

            var shown = charts.Cost.Number.Where((n, i) => (charts.Cost.Front[i] & bit) != 0).Order().ToArray();
            Assert.True(expected.Count >= 3, $"front {bit}: {expected.Count} points");
            Assert.Equal(expected.Order(), shown);
        }
    }

    /// <summary>Opens the page, waits for its first render and a quiet network, and returns the bytes it loaded.</summary>
    private async Task<long> FirstScreenAsync(ChromiumSession browser, Uri url)
    {
        await browser.NavigateAsync(url, Timeout);
        await browser.WaitForAsync("document.body.dataset.ready === '1'", Timeout, $"{url} to render");
        var count = -1;
        await Wait.Until(() => Task.FromResult(browser.Responses.Count), c =>
        {
            var quiet = c == count;
            count = c;
            return quiet;
        }, Timeout, "the network to go quiet", TimeSpan.FromSeconds(1));
        var responses = browser.Responses;
        var total = responses.Sum(r => r.EncodedBytes);
        output.WriteLine($"{url}: {responses.Count} responses, {total:N0} bytes");
        foreach (var g in responses.GroupBy(r => r.MimeType))
        {
            output.WriteLine($"  {g.Key}: {g.Count()} responses, {g.Sum(r => r.EncodedBytes):N0} bytes");
        }

        return total;
    }
}
