using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NasNet.Cluster.Tests.Infrastructure;
using NasNet.Grains.Interfaces;
using NasNet.Silo;

// Campaign page benchmark: the page's first screen at 20,000 candidates against the same page at 40.
//   dotnet run --project bench/Web -c Release [-- CANDIDATES]
// One embedded silo (16 slots, memory storage) runs two simulated campaigns (0 s epochs) to completion, then:
// (a) each document of the first screen, fetched 30 times in a row over loopback (brotli, as a browser asks):
//     median and p95 server time and its size on the wire;
// (b) the controller's chart computation (GetCharts, uncached) and one leaderboard page sorted by accuracy;
// (c) headless Chromium: navigation to first render (all JSON drawn, the best cells inlined), median of 5, and bytes.
var inv = CultureInfo.InvariantCulture;
var large = args.Length > 0 ? int.Parse(args[0], inv) : 20_000;
const int Small = 40;

await using var silo = await EmbeddedSilo.StartAsync(new Dictionary<string, string?>
{
    ["NasNet:SiloPort"] = FreePort().ToString(inv),
    ["NasNet:GatewayPort"] = FreePort().ToString(inv),
    ["NasNet:DashboardPort"] = "0",
    ["NasNet:ClusterId"] = "bench-web",
    ["NasNet:Slots"] = "16",
});
var grains = silo.Client;
var fill = Stopwatch.StartNew();
foreach (var (id, n) in new[] { ("small", Small), ("large", large) })
{
    await grains.GetGrain<ICampaignGrain>(id).Start($$"""
        { "name": "{{id}}", "strategy": { "kind": "random" }, "dataset": { "kind": "synthetic" }, "child": { "epochs": 1 },
          "trainer": { "kind": "simulated", "secondsPerEpoch": 0 }, "budget": { "candidates": {{n}} }, "lease": { "seconds": 60 } }
        """);
}

foreach (var id in new[] { "small", "large" })
{
    while ((await grains.GetGrain<ICampaignGrain>(id).GetStatus()).State == CampaignState.Running)
    {
        await Task.Delay(200);
    }
}

Console.WriteLine(string.Create(inv, $"campaigns of {Small} and {large:N0} simulated candidates trained in {fill.Elapsed.TotalSeconds:F1} s; load average {Load()}"));
using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = new Uri(silo.HttpAddress!) };
http.DefaultRequestHeaders.AcceptEncoding.ParseAdd("br");

Console.WriteLine();
Console.WriteLine($"(a) server time per document, 30 sequential requests each (after 3 warm-up), load average {Load()}");
Console.WriteLine();
Console.WriteLine($"| document | {Small} candidates: median / p95 ms, bytes | {large:N0} candidates: median / p95 ms, bytes | time ratio | size ratio |");
Console.WriteLine("|---|---|---|---|---|");
var best = new Dictionary<string, int>();
foreach (var id in new[] { "small", "large" })
{
    var s = await grains.GetGrain<ICampaignGrain>(id).GetStatus();
    best[id] = int.Parse(s.BestCandidateId![(s.BestCandidateId!.LastIndexOf('/') + 1)..], inv);
}

foreach (var (name, path) in new (string, Func<string, string>)[]
{
    ("campaign page (HTML)", id => $"/campaigns/{id}"),
    ("view.json (status, charts, trainers)", id => $"/campaigns/{id}/view.json"),
    ("candidates.json, first page by rank", id => $"/campaigns/{id}/candidates.json?take=20"),
    ("candidates.json, sorted by accuracy", id => $"/campaigns/{id}/candidates.json?sort=accuracy&desc=true&take=20"),
    ("candidates.json, last page", id => $"/campaigns/{id}/candidates.json?skip=1000000&take=20"),
    ("normal cell of the best (SVG)", id => $"/campaigns/{id}/candidates/{best[id]}/normal.svg"),
})
{
    var a = await TimeAsync(http, path("small"));
    var b = await TimeAsync(http, path("large"));
    Console.WriteLine(string.Create(inv, $"| {name} | {a.Median:F2} / {a.P95:F2}, {a.Bytes:N0} | {b.Median:F2} / {b.P95:F2}, {b.Bytes:N0} | {b.Median / a.Median:F1} | {(double)b.Bytes / a.Bytes:F2} |"));
}

Console.WriteLine();
Console.WriteLine("(b) the controller's queries, 20 calls each (grain call from inside the silo): fastest and median wall time,");
Console.WriteLine("    and the process's CPU time per call (the silo is idle otherwise: both campaigns have ended), which the");
Console.WriteLine("    machine's other work does not inflate");
Console.WriteLine();
Console.WriteLine($"| query | {Small} candidates: min / median ms, CPU ms | {large:N0} candidates: min / median ms, CPU ms |");
Console.WriteLine("|---|---|---|");
var points = 400;
foreach (var (name, query) in new (string, Func<ICampaignQueryGrain, Task>)[]
{
    ("GetCharts(400), recomputed (a new maxPoints each call defeats its cache)", g => g.GetCharts(400 + (points++ % 1000))),
    ("GetCharts(400), cached (nothing changed since the last poll)", g => g.GetCharts(400)),
    ("QueryCandidates: 20 rows by accuracy, cached order", g => g.QueryCandidates(new CandidateQuery(CandidateFilter.Trained, CandidateSort.Accuracy, true, 0, 20))),
    ("QueryCandidates: 20 rows of all candidates, a new order each call (sorted on the call)", g => g.QueryCandidates(new CandidateQuery(CandidateFilter.All, (CandidateSort)(points++ % 9), points % 2 == 0, 0, 20))),
})
{
    var cells = new List<string>();
    foreach (var id in new[] { "small", "large" })
    {
        var g = grains.GetGrain<ICampaignQueryGrain>(id);
        await query(g);
        var t = new List<double>();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < 20; i++)
        {
            var w = Stopwatch.StartNew();
            await query(g);
            t.Add(w.Elapsed.TotalMilliseconds);
        }

        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / t.Count;
        t.Sort();
        cells.Add(string.Create(inv, $"{t[0]:F2} / {t[t.Count / 2]:F2}, {cpuMs:F2}"));
    }

    Console.WriteLine($"| {name} | {cells[0]} | {cells[1]} |");
}

Console.WriteLine();
Console.WriteLine($"(c) headless Chromium, navigation to first render, median of 5 (fresh profile, no cache), load average {Load()}");
Console.WriteLine();
Console.WriteLine("| campaign | first render ms (median, min-max) | responses | bytes on the wire |");
Console.WriteLine("|---|---|---|---|");
await using var browser = await ChromiumSession.StartAsync(1400, 1000, TimeSpan.FromSeconds(60));
foreach (var (id, n) in new[] { ("small", Small), ("large", large) })
{
    var times = new List<double>();
    long bytes = 0;
    var responses = 0;
    for (var run = 0; run < 6; run++)
    {
        await browser.NavigateAsync(new Uri("about:blank"), TimeSpan.FromSeconds(30));
        var w = Stopwatch.StartNew();
        await browser.NavigateAsync(new Uri(new Uri(silo.HttpAddress!), $"/campaigns/{id}"), TimeSpan.FromSeconds(60));
        await browser.WaitForAsync("document.body.dataset.ready === '1'", TimeSpan.FromSeconds(60), "first render");
        if (run > 0)
        {
            times.Add(w.Elapsed.TotalMilliseconds); // run 0 warms the browser and the silo's JIT
        }

        await Task.Delay(1500); // lazily loaded thumbnails in view
        bytes = browser.Responses.Sum(r => r.EncodedBytes);
        responses = browser.Responses.Count;
    }

    times.Sort();
    Console.WriteLine(string.Create(inv, $"| {n:N0} candidates | {times[times.Count / 2]:F0} ({times[0]:F0}-{times[^1]:F0}) | {responses} | {bytes:N0} |"));
}

static async Task<(double Median, double P95, long Bytes)> TimeAsync(HttpClient http, string path)
{
    long bytes = 0;
    for (var i = 0; i < 3; i++)
    {
        using var r = await http.GetAsync(path);
        bytes = (await r.Content.ReadAsByteArrayAsync()).Length;
    }

    var times = new List<double>();
    for (var i = 0; i < 30; i++)
    {
        var w = Stopwatch.StartNew();
        using var r = await http.GetAsync(path);
        r.EnsureSuccessStatusCode();
        bytes = (await r.Content.ReadAsByteArrayAsync()).Length;
        times.Add(w.Elapsed.TotalMilliseconds);
    }

    times.Sort();
    return (times[times.Count / 2], times[(int)(times.Count * 0.95)], bytes);
}

static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

static int FreePort()
{
    using var l = new TcpListener(IPAddress.Loopback, 0);
    l.Start();
    return ((IPEndPoint)l.LocalEndpoint).Port;
}
