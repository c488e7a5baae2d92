using System.Globalization;
using NasNet.Cluster.Tests.Infrastructure;
using NasNet.Silo;
using SkiaSharp;

namespace NasNet.Cluster.Tests.InProcess;

/// <summary>The Orleans dashboard of an embedded silo running a campaign, rendered by headless Chromium.</summary>
public sealed class DashboardScreenshotTests
{
    private const int Width = 1280;
    private const int Height = 900;

    private static readonly string[] OurGrains = ["CampaignGrain", "CandidateGrain", "WorkBrokerGrain", "TrainerGrain"];

    [Fact]
    public async Task Dashboard_RendersOurGrainsInHeadlessChromium()
    {
        await using var silo = await TestClusters.StartEmbeddedAsync("dashboard-test");
        using var http = new HttpClient { BaseAddress = new Uri(silo.HttpAddress!), Timeout = TimeSpan.FromSeconds(30) };
        Assert.StartsWith("http://127.0.0.1:", silo.HttpAddress);

        await silo.Client.GetGrain<ICampaignGrain>("dashboard").Start(TestClusters.Config(8, 1, 0.3));
        await Wait.Until(() => http.GetStringAsync("/dashboard/DashboardCounters"), c => c.Contains("NasNet.Grains.Campaigns.CampaignGrain", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "the dashboard's counters to list CampaignGrain");
        var shell = await http.GetStringAsync("/dashboard/");
        Assert.Contains("Loading...", shell);

        var page = await HeadlessChromium.RenderAsync(new Uri(http.BaseAddress, "/dashboard/#/grains"), Width, Height, TimeSpan.FromSeconds(30));

        Assert.DoesNotContain("Loading...", page.Dom);
        Assert.Contains("href=\"#/silos\"", page.Dom);
        Assert.All(OurGrains, grain =>
        {
            Assert.DoesNotContain(grain, shell);
            Assert.Contains($">{grain}</a>", page.Dom);
        });
        using var screenshot = SKBitmap.Decode(page.Png);
        Assert.NotNull(screenshot);
        Assert.Equal((Width, Height), (screenshot.Width, screenshot.Height));
        var colours = screenshot.Pixels.GroupBy(p => p).Select(g => g.Count()).ToArray();
        Assert.True(colours.Length > 256, $"{colours.Length} distinct colours: a blank page has 1");
        Assert.True(colours.Max() < 0.9 * Width * Height, $"the commonest colour covers {colours.Max()} of {Width * Height} pixels");

        await TestClusters.WaitDoneAsync(silo.Client, "dashboard");
    }
}
