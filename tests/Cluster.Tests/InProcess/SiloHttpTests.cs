using System.Globalization;
using System.Net;
using NasNet.Cluster.Tests.Infrastructure;
using NasNet.Silo;

namespace NasNet.Cluster.Tests.InProcess;

/// <summary>The silo's HTTP port (embedded silo, same hosting extension as the executable): /metrics, /health, /dashboard.</summary>
public sealed class SiloHttpTests
{
    [Fact]
    public async Task Metrics_PendingWork_MovesAsACampaignRunsAndDashboardAnswers()
    {
        await using var silo = await TestClusters.StartEmbeddedAsync("http-test");
        using var http = new HttpClient { BaseAddress = new Uri(silo.HttpAddress!), Timeout = TimeSpan.FromSeconds(30) };

        Assert.Equal("ok", await http.GetStringAsync("/health"));
        Assert.Equal(0, await PendingWorkAsync(http));

        var campaign = silo.Client.GetGrain<ICampaignGrain>("http");
        await campaign.Start(TestClusters.Config(8, 1, 0.3));
        var busy = await Wait.Until(() => PendingWorkAsync(http), v => v >= 5, TimeSpan.FromSeconds(30), "pending work >= 5");
        var lower = await Wait.Until(() => PendingWorkAsync(http), v => v < busy, TimeSpan.FromSeconds(60), "pending work to fall");
        await TestClusters.WaitDoneAsync(silo.Client, "http");
        await Wait.Until(() => PendingWorkAsync(http), v => v == 0, TimeSpan.FromSeconds(30), "pending work back to 0");
        Assert.True(lower < busy);

        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("nasnet_campaign_done", metrics);
        Assert.Contains("nasnet_trainer_slots", metrics);

        using var dashboard = await http.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Equal("text/html", dashboard.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html", await dashboard.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<double> PendingWorkAsync(HttpClient http)
    {
        var text = await http.GetStringAsync("/metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("nasnet_pending_work", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
