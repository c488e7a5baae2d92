using System.Net;
using System.Net.Http.Headers;
using NasNet.Cluster.Tests.Infrastructure;
using NasNet.Cluster.Tests.InProcess;

namespace NasNet.Cluster.Tests.Web;

/// <summary>NasNet:WebToken set: the campaign pages and the dashboard need it; /health, /metrics and the assets do not.</summary>
public sealed class WebTokenTests
{
    private const string Token = "test-token-0123456789abcdef";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Token_IsRequiredByThePagesAndTheDashboard_ByHeaderOrByCookie()
    {
        await using var silo = await TestClusters.StartEmbeddedAsync("web-token", webToken: Token);
        await silo.Client.GetGrain<ICampaignGrain>("guarded").Start(TestClusters.Config(6, epochs: 1, secondsPerEpoch: 0));
        await TestClusters.WaitDoneAsync(silo.Client, "guarded");
        var root = new Uri(silo.HttpAddress!);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = root, Timeout = TimeSpan.FromSeconds(30) };
        string[] guarded = ["/campaigns", "/campaigns.json", "/campaigns/guarded", "/campaigns/guarded/view.json", "/campaigns/guarded/candidates/0/normal.svg", "/dashboard/", "/dashboard/DashboardCounters"];

        foreach (var path in guarded)
        {
            using var open = await http.GetAsync(path);
            Assert.True(open.StatusCode == HttpStatusCode.Unauthorized, $"{path} without a token: {open.StatusCode}");
            Assert.Contains("Bearer", open.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            Assert.Contains("?token=", await open.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            using var wrong = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token + "x") } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);

            using var right = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token) } };
            using var answer = await http.SendAsync(right);
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{path} with the token: {answer.StatusCode}");
        }

        foreach (var path in new[] { "/health", "/metrics", "/web/nasnet.css" })
        {
            using var open = await http.GetAsync(path);
            Assert.True(open.StatusCode == HttpStatusCode.OK, $"{path} stays open: {open.StatusCode}");
        }

        // A browser: ?token= once sets an HttpOnly cookie and redirects to the same page without the token.
        using var first = await http.GetAsync($"/campaigns/guarded?token={Token}&x=1");
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/campaigns/guarded?x=1", first.Headers.Location?.OriginalString);
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);

        await using var browser = await ChromiumSession.StartAsync(1280, 900, Timeout);
        await browser.NavigateAsync(new Uri(root, $"/campaigns/guarded?token={Token}"), Timeout);
        await browser.WaitForAsync("document.body.dataset.ready === '1'", Timeout, "the guarded page to render with the cookie");
        Assert.Equal("/campaigns/guarded", await browser.EvaluateAsync<string>("location.pathname + location.search"));
        Assert.Equal(6, await browser.EvaluateAsync<int>("document.querySelectorAll('#leaderboard tbody td.rank').length"));
        Assert.DoesNotContain(browser.Responses, r => r.Status == 401);

        await browser.NavigateAsync(new Uri(root, "/dashboard/"), Timeout);
        await browser.WaitForAsync("!!document.querySelector('a[href=\"#/silos\"]')", Timeout, "the dashboard to render with the cookie");
        Assert.DoesNotContain(browser.Responses, r => r.Status == 401);
    }
}
