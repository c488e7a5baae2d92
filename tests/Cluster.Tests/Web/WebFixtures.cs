using NasNet.Cluster.Tests.Infrastructure;
using NasNet.Cluster.Tests.InProcess;
using NasNet.Silo;
using SkiaSharp;

namespace NasNet.Cluster.Tests.Web;

/// <summary>
/// One embedded silo for a test class (3 slots), with a live simulated PPO campaign that keeps running while the tests
/// read its pages (stopped on dispose) and a small campaign whose search and final evaluation have completed, and a completed ASHA campaign.
/// </summary>
public sealed class LiveCampaignFixture : IAsyncLifetime
{
    public const string Live = "page-live";
    public const string Finished = "page-final";
    public const string Asha = "page-asha";

    public EmbeddedSilo Silo { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public Uri Base => Http.BaseAddress!;

    public async Task InitializeAsync()
    {
        Silo = await TestClusters.StartEmbeddedAsync("web-pages", slots: 3);
        Http = new HttpClient { BaseAddress = new Uri(Silo.HttpAddress!), Timeout = TimeSpan.FromSeconds(30) };
        var finished = Silo.Client.GetGrain<ICampaignGrain>(Finished);
        await finished.Start(TestClusters.Config(8, epochs: 1, secondsPerEpoch: 0, name: "random-then-final"));
        await TestClusters.WaitDoneAsync(Silo.Client, Finished);
        await finished.Evaluate("""{ "top": 2, "seeds": 1, "epochs": 1, "reference": "resnet-8" }""");
        await TestClusters.WaitDoneAsync(Silo.Client, Finished);

        await Silo.Client.GetGrain<ICampaignGrain>(Asha).Start("""
            { "name": "asha-simulated", "seed": 3, "strategy": { "kind": "random" }, "dataset": { "kind": "synthetic" },
              "trainer": { "kind": "simulated", "secondsPerEpoch": 0 }, "schedule": { "kind": "asha", "minEpochs": 1, "maxEpochs": 3, "eta": 3 },
              "budget": { "candidates": 18 } }
            """);
        await TestClusters.WaitDoneAsync(Silo.Client, Asha);

        // Long enough to outlive the class (2,000 x 3 epochs x 0.1 s over 3 slots: about 200 s); stopped on dispose.
        await Silo.Client.GetGrain<ICampaignGrain>(Live).Start(TestClusters.Config(2000, epochs: 3, secondsPerEpoch: 0.1, strategy: "ppo", name: "ppo-simulated"));
        await Wait.Until(() => Silo.Client.GetGrain<ICampaignGrain>(Live).GetStatus(), s => s.Completed >= 30 && s.PolicyUpdates >= 3,
            TimeSpan.FromMinutes(2), "30 trained candidates and 3 policy updates");
    }

    public async Task DisposeAsync()
    {
        await Silo.Client.GetGrain<ICampaignGrain>(Live).Stop();
        Http.Dispose();
        await Silo.DisposeAsync();
    }
}

/// <summary>Screenshots of the pages: into the test output, and into NASNET_DOCS_DIR (the repository's docs/) when set.</summary>
public static class Screenshots
{
    public static string Save(string name, byte[] png)
    {
        var dir = Environment.GetEnvironmentVariable("NASNET_DOCS_DIR") is { Length: > 0 } docs ? docs : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, png);
        return path;
    }

    /// <summary>Asserts the PNG is <paramref name="width"/> wide and not blank (many colours, none covering 90 % of it).</summary>
    public static void AssertDrawn(byte[] png, int width)
    {
        using var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        Assert.Equal(width, bitmap.Width);
        var colours = bitmap.Pixels.GroupBy(p => p).Select(g => g.Count()).ToArray();
        Assert.True(colours.Length > 256, $"{colours.Length} distinct colours: a blank page has 1");
        Assert.True(colours.Max() < 0.9 * bitmap.Width * bitmap.Height, $"the commonest colour covers {colours.Max()} of {bitmap.Width * bitmap.Height} pixels");
    }
}
