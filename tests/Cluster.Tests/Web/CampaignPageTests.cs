using System.Net;
using System.Text.Json.Nodes;
using NasNet.Cluster.Tests.Infrastructure;
using NasNet.Core.SearchSpace;

namespace NasNet.Cluster.Tests.Web;

/// <summary>
/// The campaign pages of an embedded silo, in real headless Chromium over the DevTools protocol, on a live simulated
/// campaign: what the page draws, that it updates in place, the candidate page, the list, the final table, downloads.
/// </summary>
public sealed class CampaignPageTests(LiveCampaignFixture f) : IClassFixture<LiveCampaignFixture>
{
    private const int Width = 1400;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CampaignPage_LiveCampaign_DrawsCellsCurvesAndLeaderboard_AndUpdatesWithoutReload()
    {
        await using var browser = await ChromiumSession.StartAsync(Width, 1000, Timeout);
        await browser.NavigateAsync(new Uri(f.Base, $"/campaigns/{LiveCampaignFixture.Live}"), Timeout);
        await browser.WaitForAsync("document.body.dataset.ready === '1'", Timeout, "the campaign page's first render");

        var rows = await browser.EvaluateAsync<int>("document.querySelectorAll('#leaderboard tbody tr td.rank').length");
        Assert.InRange(rows, 20, 20); // a full first page: 30+ trained candidates, 20 per page
        Assert.Equal(rows * 2, await browser.EvaluateAsync<int>("document.querySelectorAll('#leaderboard tbody td.cell img').length"));
        Assert.Equal("1", await browser.EvaluateAsync<string>("document.querySelector('#leaderboard tbody td.rank').textContent"));

        // The best cell, drawn by Core's CellDiagram: per cell 2 inputs + 10 operation boxes + the concat (rect), 5 combiners
        // (ellipse), and at least 4 edges per block (paths).
        var cells = (await browser.EvaluateAsync("""
            [...document.querySelectorAll('#best-cells svg')].map(s => ({ rects: s.querySelectorAll('rect').length, nodes: s.querySelectorAll('ellipse').length, edges: s.querySelectorAll('path').length }))
            """))!.AsArray();
        Assert.Equal(2, cells.Count);
        Assert.All(cells, c =>
        {
            Assert.True(c!["rects"]!.GetValue<int>() >= 13, c.ToJsonString()); // + the white background
            Assert.Equal(5, c["nodes"]!.GetValue<int>());
            Assert.True(c["edges"]!.GetValue<int>() >= 21, c.ToJsonString()); // 20 block edges + the concat's + the arrow marker
        });

        var done = (await f.Silo.Client.GetGrain<ICampaignGrain>(LiveCampaignFixture.Live).GetStatus()).Completed;
        var points = await browser.EvaluateAsync<int>("document.querySelectorAll('#reward-chart circle.pt').length");
        Assert.InRange(points, 30, done + 20);
        Assert.Equal(1, await browser.EvaluateAsync<int>("document.querySelectorAll('#reward-chart polyline.avg').length"));
        Assert.Equal(1, await browser.EvaluateAsync<int>("document.querySelectorAll('#reward-chart polyline.base').length")); // ppo: its baseline
        var entropy = await browser.EvaluateAsync<int>("document.querySelectorAll('#entropy-chart circle').length");
        Assert.True(entropy >= 3, $"{entropy} entropy points: {await browser.EvaluateAsync<string>("document.querySelector('#entropy-chart').textContent")}");
        var front = await browser.EvaluateAsync<int>("document.querySelectorAll('#cost-multadds circle.front').length");
        Assert.True(front >= 1, $"{front} points on the mult-adds front");
        var scatter = await browser.EvaluateAsync<int>("document.querySelectorAll('#cost-multadds circle').length");
        Assert.True(scatter >= 30, $"{scatter} points in the mult-adds scatter");
        Assert.InRange(await browser.EvaluateAsync<int>("document.querySelectorAll('#trainers tbody tr').length"), 0, 3);

        // Updates in place: the counter changes while the page stays the same document (a reload would drop the marker).
        var first = await browser.EvaluateAsync<string>("window.__sameDocument = 'yes'; document.querySelector('#done').textContent");
        await Wait.Until(() => browser.EvaluateAsync<string>("document.querySelector('#done').textContent"), t => t != first, Timeout, "the done counter to change");
        Assert.Equal("yes", await browser.EvaluateAsync<string>("window.__sameDocument"));
        Assert.Equal(1, await browser.EvaluateAsync<int>("performance.getEntriesByType('navigation').length"));
        // The counters are set first in a poll's render; the count of finished renders after its leaderboard fetch.
        await Wait.Until(() => browser.EvaluateAsync<int>("Number(document.body.dataset.updates)"), u => u >= 2, Timeout, "a second render");
        Assert.Equal("yes", await browser.EvaluateAsync<string>("window.__sameDocument"));

        var png = await browser.ScreenshotAsync(Width, 1000, 3000);
        Screenshots.AssertDrawn(png, Width);
        Screenshots.Save("campaign-page.png", png);
    }

    [Fact]
    public async Task CandidatePage_ShowsBothCells_TheGenotype_TheLearningCurve_AndItsAttempts()
    {
        var grains = f.Silo.Client;
        var best = (await grains.GetGrain<ICampaignQueryGrain>(LiveCampaignFixture.Live).QueryCandidates(new CandidateQuery(CandidateFilter.Trained, CandidateSort.Rank, false, 0, 1))).Rows[0];
        var view = await grains.GetGrain<ICandidateGrain>(best.CandidateId).Get();
        await using var browser = await ChromiumSession.StartAsync(Width, 1000, Timeout);
        await browser.NavigateAsync(new Uri(f.Base, $"/campaigns/{LiveCampaignFixture.Live}/candidates/{best.Number}"), Timeout);
        await browser.WaitForAsync("document.body.dataset.ready === '1'", Timeout, "the candidate page's first render");

        Assert.Equal(2, await browser.EvaluateAsync<int>("document.querySelectorAll('.cells svg').length"));
        Assert.Equal(10, await browser.EvaluateAsync<int>("document.querySelectorAll('.cells svg ellipse').length"));
        var shown = GenotypeJson.Parse(await browser.EvaluateAsync<string>("document.querySelector('#k-genotype').textContent"));
        Assert.Equal(GenotypeJson.Parse(view.GenotypeJson).Hash, shown.Hash);
        Assert.Equal(3, await browser.EvaluateAsync<int>("document.querySelectorAll('#loss-chart circle').length")); // 3 epochs
        Assert.Equal(1, await browser.EvaluateAsync<int>("document.querySelectorAll('#acc-chart circle').length")); // 1 rung
        var attempt = (await browser.EvaluateAsync("[...document.querySelectorAll('#k-attempts tbody tr')].map(r => [...r.cells].map(c => c.textContent.trim()))"))!.AsArray();
        var trainer = view.History![0].TrainerId!;
        Assert.Equal(view.History.Count, attempt.Count);
        Assert.Equal("embedded", attempt[0]![1]!.GetValue<string>());
        Assert.Equal(trainer[(trainer.LastIndexOf('/') + 1)..], attempt[0]![2]!.GetValue<string>());
        Assert.StartsWith(view.History[0].LeaseId![..8], attempt[0]![3]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("completed", attempt[0]![9]!.GetValue<string>(), StringComparison.Ordinal);

        var png = await browser.ScreenshotAsync(Width, 1000, 2200);
        Screenshots.AssertDrawn(png, Width);
        Screenshots.Save("candidate-page.png", png);
    }

    [Fact]
    public async Task CandidateView_RecordsTheLearningCurveAndTheAttempt()
    {
        var grains = f.Silo.Client;
        var row = (await grains.GetGrain<ICampaignQueryGrain>(LiveCampaignFixture.Live).QueryCandidates(new CandidateQuery(CandidateFilter.Trained, CandidateSort.Number, false, 0, 1))).Rows[0];
        var view = await grains.GetGrain<ICandidateGrain>(row.CandidateId).Get();

        var report = Assert.Single(view.RungResults);
        Assert.Equal(3, report.EpochLosses!.Count);
        Assert.True(report.EpochLosses[0] > report.EpochLosses[2], "the simulated loss falls");
        var attempt = Assert.Single(view.History!);
        Assert.Equal((1, report.LeaseId, report.TrainerId, "completed", 3), (attempt.Attempt, attempt.LeaseId, attempt.TrainerId, attempt.Outcome, attempt.Epochs));
        Assert.NotNull(attempt.StartedUtc);
        Assert.True(attempt.EndedUtc >= attempt.StartedUtc);
    }

    [Fact]
    public async Task Downloads_GenotypeJson_CellSvgs_AndNoWeightsFromTheSimulatedTrainer()
    {
        var row = (await f.Silo.Client.GetGrain<ICampaignQueryGrain>(LiveCampaignFixture.Live).FindCandidate(0))!;
        var view = await f.Silo.Client.GetGrain<ICandidateGrain>(row.CandidateId).Get();
        var path = $"/campaigns/{LiveCampaignFixture.Live}/candidates/0";

        using var genotype = await f.Http.GetAsync($"{path}/genotype.json");
        Assert.Equal(HttpStatusCode.OK, genotype.StatusCode);
        Assert.Equal("attachment", genotype.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(GenotypeJson.Parse(view.GenotypeJson).Hash, GenotypeJson.Parse(await genotype.Content.ReadAsStringAsync()).Hash);
        foreach (var cell in new[] { "normal", "reduction" })
        {
            using var svg = await f.Http.GetAsync($"{path}/{cell}.svg");
            Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
            Assert.StartsWith("<svg", await svg.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var weights = await f.Http.GetAsync($"{path}/weights");
        Assert.Equal(HttpStatusCode.NotFound, weights.StatusCode);
        Assert.Contains("no stored weights", await weights.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CandidatesJson_SortsAndPages_AndRejectsBadInputWithAOneLineMessage()
    {
        var byAccuracy = JsonNode.Parse(await f.Http.GetStringAsync($"/campaigns/{LiveCampaignFixture.Live}/candidates.json?sort=accuracy&desc=true&take=50"))!;
        var accuracies = byAccuracy["rows"]!.AsArray().Select(r => r!["accuracy"]!.GetValue<double>()).ToArray();
        Assert.True(accuracies.Length >= 30);
        Assert.Equal(accuracies.OrderDescending(), accuracies);
        var second = JsonNode.Parse(await f.Http.GetStringAsync($"/campaigns/{LiveCampaignFixture.Live}/candidates.json?sort=number&skip=5&take=5"))!;
        Assert.Equal([5, 6, 7, 8, 9], second["rows"]!.AsArray().Select(r => r!["number"]!.GetValue<int>()));

        using var badSort = await f.Http.GetAsync($"/campaigns/{LiveCampaignFixture.Live}/candidates.json?sort=colour");
        Assert.Equal(HttpStatusCode.BadRequest, badSort.StatusCode);
        Assert.Contains("sort 'colour' is not one of rank, number, accuracy", await badSort.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var (url, message) in new[] { ("/campaigns/nope", "no campaign 'nope'"), ("/campaigns/nope/view.json", "no campaign 'nope'"), ($"/campaigns/{LiveCampaignFixture.Live}/candidates/99999", "no candidate 99999") })
        {
            using var r = await f.Http.GetAsync(url);
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
            var text = await r.Content.ReadAsStringAsync();
            Assert.Contains(message, text, StringComparison.Ordinal);
            Assert.Single(text.TrimEnd().Split('\n'));
        }
    }

    [Fact]
    public async Task PageUrl_IsTheControllersSiloOnTheDefaultPort_OrUnderTheGivenAddress()
    {
        var s = await f.Silo.Client.GetGrain<ICampaignGrain>(LiveCampaignFixture.Live).GetStatus();
        Assert.Equal($"http://127.0.0.1:8080/campaigns/{LiveCampaignFixture.Live}", NasNet.Client.Cluster.CampaignViews.PageUrl(s));
        var embedded = NasNet.Client.Cluster.CampaignViews.PageUrl(s, f.Silo.HttpAddress);
        Assert.Equal($"{f.Silo.HttpAddress}/campaigns/{LiveCampaignFixture.Live}", embedded);
        Assert.Contains("ppo-simulated", await f.Http.GetStringAsync(new Uri(embedded)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListPage_ShowsEveryCampaign_FinalTable_AshaRungs_AndPagesAreOpenWithoutAToken()
    {
        await using var browser = await ChromiumSession.StartAsync(Width, 900, Timeout);
        await browser.NavigateAsync(new Uri(f.Base, "/campaigns"), Timeout);
        await browser.WaitForAsync("document.body.dataset.ready === '1'", Timeout, "the list page");
        var links = (await browser.EvaluateAsync("[...document.querySelectorAll('#campaigns tbody a')].map(a => a.getAttribute('href'))"))!.AsArray().Select(a => a!.GetValue<string>()).ToArray();
        Assert.Contains($"/campaigns/{LiveCampaignFixture.Live}", links);
        Assert.Contains($"/campaigns/{LiveCampaignFixture.Finished}", links);

        await browser.NavigateAsync(new Uri(f.Base, $"/campaigns/{LiveCampaignFixture.Finished}"), Timeout);
        await browser.WaitForAsync("document.body.dataset.ready === '1'", Timeout, "the finished campaign's page");
        Assert.False(await browser.EvaluateAsync<bool>("document.querySelector('#final-card').hidden"));
        var labels = (await browser.EvaluateAsync("[...document.querySelectorAll('#final tbody tr td:first-child')].map(td => td.textContent)"))!.AsArray().Select(l => l!.GetValue<string>()).ToArray();
        Assert.Equal(7, labels.Length); // 2 found, 2 random, NASNet-A, ResNet-8, found at ResNet-8's params
        Assert.Contains(labels, l => l.EndsWith("best found", StringComparison.Ordinal));
        Assert.Equal("completed", await browser.EvaluateAsync<string>("document.querySelector('#c-state').textContent"));

        // ASHA: the rungs table (rung, epochs, candidates reached) and the promotions granted, beside the status tile.
        var asha = await f.Silo.Client.GetGrain<ICampaignGrain>(LiveCampaignFixture.Asha).GetStatus();
        Assert.True(asha.Promotions >= 1, $"{asha.Promotions} promotions");
        await browser.NavigateAsync(new Uri(f.Base, $"/campaigns/{LiveCampaignFixture.Asha}"), Timeout);
        await browser.WaitForAsync("document.body.dataset.ready === '1'", Timeout, "the ASHA campaign's page");
        Assert.False(await browser.EvaluateAsync<bool>("document.querySelector('#rungs-card').hidden"));
        var rungs = (await browser.EvaluateAsync("[...document.querySelectorAll('#rungs tbody tr')].map(r => [...r.cells].slice(0, 3).map(c => c.textContent.trim()))"))!.AsArray()
            .Select(r => string.Join(' ', r!.AsArray().Select(c => c!.GetValue<string>()))).ToArray();
        Assert.Equal(["0 1 18", $"1 3 {asha.Promotions}"], rungs);
        Assert.Contains($"{asha.Promotions} promotions granted", await browser.EvaluateAsync<string>("document.querySelector('#rungs').textContent"), StringComparison.Ordinal);

        // No NasNet:WebToken: the page, its JSON and the dashboard are open (README "Configuration").
        foreach (var url in new[] { "/campaigns", "/campaigns.json", "/dashboard/", "/health" })
        {
            using var r = await f.Http.GetAsync(url);
            Assert.True(r.StatusCode == HttpStatusCode.OK, $"{url}: {r.StatusCode}");
        }
    }
}
