using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using NasNet.Grains.Hosting;
using NasNet.Grains.Interfaces;
using NasNet.Silo;
using Orleans.TestingHost;

// Orchestration benchmark (simulated trainer, no tensors) through the real grains, lease and checkpoint path.
//   dotnet run --project bench/Cluster -c Release -- [overhead|utilisation|paper|all]
// (a) overhead per candidate from lease request to acknowledged result, excluding the training (median, p99);
// (b) trainer utilisation with 64 slots over 3 silos and 1-second trainings;
// (c) a paper-sized campaign: 20,000 candidates, 500 slots, one process: time and memory per candidate grain.
var mode = args.FirstOrDefault() ?? "all";
var inv = CultureInfo.InvariantCulture;
var overheads = new List<double>();
using var listener = new MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Meter.Name == "NasNet" && instrument.Name == "nasnet_trainer_overhead_seconds")
    {
        l.EnableMeasurementEvents(instrument);
    }
};
listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
{
    lock (overheads)
    {
        overheads.Add(value);
    }
});
listener.Start();

if (mode is "overhead" or "all")
{
    foreach (var slots in new[] { 1, 8 })
    {
        lock (overheads)
        {
            overheads.Clear();
        }

        var cluster = await Deploy(1, slots);
        var s = await Run(cluster, "overhead", candidates: 3000, epochs: 1, secondsPerEpoch: 0);
        double[] o;
        lock (overheads)
        {
            o = overheads.Order().ToArray();
        }

        Console.WriteLine(string.Create(inv, $"(a) overhead, 1 silo, {slots} slot(s), 3000 candidates: median {Pct(o, 0.5) * 1000:F2} ms, p99 {Pct(o, 0.99) * 1000:F2} ms, {s.Completed / (s.EndedUtc!.Value - s.StartedUtc).TotalSeconds:F0} candidates/s"));
        await cluster.DisposeAsync();
    }
}

if (mode is "utilisation" or "all")
{
    // Twice on one cluster: the first campaign also pays for JIT compilation and the first activations (cold); the
    // second is a long-running cluster's steady state (warm).
    var cluster = await Deploy(3, 22, lastSiloSlots: 20); // 22 + 22 + 20 = 64 slots
    foreach (var phase in new[] { "cold", "warm" })
    {
        var id = $"utilisation-{phase}";
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var s = await Run(cluster, id, candidates: 64 * 10, epochs: 1, secondsPerEpoch: 1);
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var rows = await cluster.Client.GetGrain<ICampaignGrain>(id).GetCandidates();
        var views = await Task.WhenAll(rows.Select(r => cluster.Client.GetGrain<ICandidateGrain>(r.CandidateId).Get()));
        var busy = views.Sum(v => v.Result!.Seconds);
        var slots = 64;
        var makespan = (s.EndedUtc!.Value - s.StartedUtc).TotalSeconds;
        var ideal = Math.Ceiling(640.0 / slots) * 1.0;
        Console.WriteLine(string.Create(inv, $"(b) utilisation ({phase}), 3 silos (22+22+20 = {slots} slots), 640 x 1 s trainings: makespan {makespan:F2} s (ideal {ideal:F0} s), busy {busy:F1} slot-s, utilisation {busy / (slots * makespan) * 100:F1} % (of slot-time), {ideal / makespan * 100:F1} % of the ideal makespan; process CPU {cpu.TotalMilliseconds / 640:F2} ms per candidate ({cpu.TotalSeconds / makespan:F2} of {Environment.ProcessorCount} cores)"));
    }

    await cluster.DisposeAsync();
}

if (mode is "paper" or "all")
{
    GC.Collect();
    var before = GC.GetTotalMemory(true);
    var cluster = await Deploy(1, 500);
    var watch = Stopwatch.StartNew();
    var s = await Run(cluster, "paper", candidates: 20_000, epochs: 1, secondsPerEpoch: 0, timeout: TimeSpan.FromMinutes(30));
    watch.Stop();
    var after = GC.GetTotalMemory(true);
    Console.WriteLine(string.Create(inv, $"(c) paper-sized: {s.Completed} candidates done ({s.State}), 500 slots, 1 process: {watch.Elapsed.TotalSeconds:F1} s, managed heap +{(after - before) / 1048576.0:F0} MiB = {(after - before) / 20_000.0 / 1024:F1} KiB per candidate (grain + its share of the controller), working set {Environment.WorkingSet / 1048576.0:F0} MiB"));
    await cluster.DisposeAsync();
}

static double Pct(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

static async Task<InProcessTestCluster> Deploy(int silos, int slots, int? lastSiloSlots = null)
{
    var builder = new InProcessTestClusterBuilder((short)silos);
    builder.ConfigureSilo((o, silo) => silo.ConfigureNasNet(
        new NasNetOptions { Slots = o.SiloName == $"Silo_{silos - 1}" && lastSiloSlots is { } l ? l : slots, DrainSeconds = 5 }, clustering: false));
    builder.ConfigureHost(h => h.Logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning));
    var cluster = builder.Build();
    await cluster.DeployAsync();
    return cluster;
}

static async Task<CampaignStatus> Run(InProcessTestCluster cluster, string id, int candidates, int epochs, double secondsPerEpoch, TimeSpan? timeout = null)
{
    var config = $$"""
        { "name": "{{id}}", "strategy": { "kind": "random" }, "dataset": { "kind": "synthetic" }, "child": { "epochs": {{epochs}} },
          "trainer": { "kind": "simulated", "secondsPerEpoch": {{secondsPerEpoch.ToString(CultureInfo.InvariantCulture)}} },
          "budget": { "candidates": {{candidates}} }, "lease": { "seconds": 30 } }
        """;
    var campaign = cluster.Client.GetGrain<ICampaignGrain>(id);
    await campaign.Start(config);
    var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(10));
    while (DateTime.UtcNow < deadline)
    {
        var s = await campaign.GetStatus();
        if (s.State != CampaignState.Running)
        {
            return s;
        }

        await Task.Delay(100);
    }

    throw new TimeoutException($"campaign {id} did not finish");
}
