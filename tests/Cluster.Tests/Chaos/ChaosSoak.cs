using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using NasNet.Cluster.Tests.Deploy;
using NasNet.Cluster.Tests.Infrastructure;

namespace NasNet.Cluster.Tests.Chaos;

/// <summary>What a chaos event does.</summary>
public enum ChaosKind
{
    /// <summary>kill -9 (docker kill) of a random silo; it starts again after the downtime.</summary>
    KillNine,

    /// <summary>SIGTERM (docker stop) of a random silo: it drains and exits; it starts again after the downtime.</summary>
    Terminate,

    /// <summary>SIGTERM, then the same silo starts again at once (a rollout).</summary>
    Restart,

    /// <summary>redis-server killed, started again after the downtime (its append-only file keeps the data).</summary>
    RedisOutage,
}

/// <summary>The soak's settings. The schedule is a function of <see cref="Seed"/> alone.</summary>
public sealed record ChaosOptions(
    int Seed = 1,
    double DurationSeconds = 75,
    int Silos = 3,
    int Slots = 2,
    int Candidates = 30,
    int Epochs = 3,
    double SecondsPerEpoch = 1.0,
    double LeaseSeconds = 3,
    double MeanGapSeconds = 6,
    double MaxDowntimeSeconds = 6);

/// <summary>One event as it happened: when (since the start), what, on which target, and what it hit.</summary>
public sealed record ChaosEvent(double AtSeconds, ChaosKind Kind, string Target, double DowntimeSeconds, int TrainingsHit)
{
    /// <summary>
    /// Seconds from the event until every training it interrupted was leased again (or done); for a Redis outage,
    /// from Redis' restart until a candidate completed again. Null: nothing was interrupted.
    /// </summary>
    public double? RecoverySeconds { get; set; }
}

/// <summary>The soak's figures.</summary>
public sealed class ChaosReport
{
    public required ChaosOptions Options { get; init; }

    public required string Launcher { get; init; }

    public List<ChaosEvent> Events { get; } = [];

    public List<CampaignWatch> Campaigns { get; } = [];

    public List<string> Violations { get; } = [];

    public double LostEpochs { get; set; }

    public double WallSeconds { get; set; }

    public int Candidates => Campaigns.Sum(c => c.Last?.Completed ?? 0);

    public int Reads => Campaigns.Sum(c => c.Reads);

    public int Count(ChaosKind kind) => Events.Count(e => e.Kind == kind);

    public string Table()
    {
        var inv = CultureInfo.InvariantCulture;
        var o = Options;
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(inv, $"chaos soak: seed {o.Seed}, {Launcher} silos {o.Silos} x {o.Slots} slots, {o.DurationSeconds:0} s of chaos, mean gap {o.MeanGapSeconds:0.#} s; campaigns of {o.Candidates} x {o.Epochs} epochs x {o.SecondsPerEpoch:0.##} s, lease {o.LeaseSeconds:0.#} s"));
        sb.AppendLine("| event | count | trainings hit | recovery median (s) | recovery max (s) |");
        sb.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var kind in Enum.GetValues<ChaosKind>())
        {
            var events = Events.Where(e => e.Kind == kind).ToList();
            var rec = events.Where(e => e.RecoverySeconds is not null).Select(e => e.RecoverySeconds!.Value).Order().ToArray();
            sb.AppendLine(string.Create(inv, $"| {kind} | {events.Count} | {events.Sum(e => e.TrainingsHit)} | {(rec.Length == 0 ? "-" : rec[rec.Length / 2].ToString("F1", inv))} | {(rec.Length == 0 ? "-" : rec[^1].ToString("F1", inv))} |"));
        }

        var needed = Candidates * o.Epochs;
        sb.AppendLine(string.Create(inv, $"campaigns {Campaigns.Count} (all completed: {Campaigns.All(c => c.Last?.State == CampaignState.Completed)}), candidates {Candidates}, status reads {Reads}, invariant violations {Violations.Count}"));
        sb.AppendLine(string.Create(inv, $"silo kills/stops survived {Count(ChaosKind.KillNine) + Count(ChaosKind.Terminate) + Count(ChaosKind.Restart)}, Redis outages {Count(ChaosKind.RedisOutage)}; resumes from checkpoints {Campaigns.Sum(c => c.Last?.Resumes ?? 0)}, stale reports {Campaigns.Sum(c => c.Last?.StaleReports ?? 0)}"));
        sb.AppendLine(string.Create(inv, $"lost work {LostEpochs:F1} epochs of {needed} trained ({(needed == 0 ? 0 : LostEpochs / needed * 100):F2} %), wall {WallSeconds:F0} s"));
        return sb.ToString();
    }
}

/// <summary>
/// A chaos soak: campaigns of the simulated trainer run back to back on a fleet of silos while a seeded schedule kills
/// (kill -9), stops (SIGTERM) and restarts silos and stops Redis; every status read is checked
/// (<see cref="CampaignWatch"/>), and every campaign must complete with each candidate's result and reward once.
/// </summary>
public sealed class ChaosSoak(ChaosOptions options, ISiloLauncher launcher, RedisServer redis, Action<string> log)
{
    private readonly object _gate = new();
    private readonly List<CampaignWatch> _active = [];
    private readonly DateTime _t0 = DateTime.UtcNow;

    /// <summary>The schedule: cycles of the four kinds in a seeded order, seeded gaps, targets and downtimes.</summary>
    public static IEnumerable<(double Gap, ChaosKind Kind, int Target, double Downtime)> Schedule(ChaosOptions o)
    {
        var random = new Random(o.Seed);
        while (true)
        {
            var kinds = Enum.GetValues<ChaosKind>().ToArray();
            random.Shuffle(kinds);
            foreach (var kind in kinds)
            {
                yield return (o.MeanGapSeconds * (0.5 + random.NextDouble()), kind, random.Next(1_000_000), 1 + random.NextDouble() * (o.MaxDowntimeSeconds - 1));
            }
        }
    }

    public async Task<ChaosReport> RunAsync(string workDir)
    {
        var report = new ChaosReport { Options = options, Launcher = launcher.Kind };
        await using var fleet = new SiloFleet(launcher, redis.ConnectionString, new Dictionary<string, string>
        {
            ["Slots"] = options.Slots.ToString(CultureInfo.InvariantCulture),
            ["FastMembership"] = "true",
            ["ResponseTimeoutSeconds"] = "10",
        });
        var config = Path.Combine(workDir, "chaos-campaign.json");
        File.WriteAllText(config, CampaignJson(options));
        for (var i = 0; i < options.Silos; i++)
        {
            await fleet.StartAsync();
        }

        await fleet.WaitHealthyAsync(TimeSpan.FromMinutes(3));
        await using var connection = await fleet.ConnectAsync();
        using var stopPolling = new CancellationTokenSource();
        var chaosOver = false;
        await StartCampaignAsync(fleet, config, report);
        // The chaos' clock starts with the first campaign (silo start-up takes long on a busy machine).
        var chaosStart = Elapsed;
        var poller = Task.Run(() => PollAsync(connection.Client, fleet, config, report, () => Volatile.Read(ref chaosOver), stopPolling.Token));

        var restarts = new List<Task>();
        foreach (var (gap, kind, target, downtime) in Schedule(options))
        {
            await Task.Delay(TimeSpan.FromSeconds(gap));
            // At least one cycle of the four kinds, however long the events themselves took.
            var kinds = Enum.GetValues<ChaosKind>().Length;
            if ((Elapsed - chaosStart >= options.DurationSeconds && report.Events.Count >= kinds) || poller.IsCompleted)
            {
                break;
            }

            restarts.Add(await ApplyAsync(fleet, report, kind, target, downtime));
        }

        await Task.WhenAll(restarts);
        Volatile.Write(ref chaosOver, true);
        log($"{Elapsed:F0} s: chaos over, waiting for the running campaigns");
        try
        {
            await poller.WaitAsync(TimeSpan.FromMinutes(5));
        }
        catch (TimeoutException)
        {
            report.Violations.Add($"campaigns still running 5 minutes after the chaos: {string.Join(", ", _active.Select(w => $"{w.CampaignId} {w.Last?.Completed}/{w.Last?.Budget}"))}\n{await fleet.LogsAsync()}");
        }

        await stopPolling.CancelAsync();
        report.WallSeconds = Elapsed;
        foreach (var w in report.Campaigns)
        {
            report.Violations.AddRange(w.Violations);
            var rows = await connection.Client.GetGrain<ICampaignGrain>(w.CampaignId).GetCandidates();
            var views = await Task.WhenAll(rows.Select(r => connection.Client.GetGrain<ICandidateGrain>(r.CandidateId).Get()));
            report.LostEpochs += w.LostEpochs(views, a => StoppedDuring(fleet, a), options.SecondsPerEpoch);
        }

        Recoveries(report);
        return report;
    }

    private double Elapsed => (DateTime.UtcNow - _t0).TotalSeconds;

    /// <summary>The soak's campaign: random search, simulated trainer, a short lease so that a kill -9 costs seconds.</summary>
    public static string CampaignJson(ChaosOptions o) => string.Create(CultureInfo.InvariantCulture, $$"""
        { "name": "chaos", "seed": {{o.Seed}}, "strategy": { "kind": "random", "batchSize": 5, "maxStaleness": 1000 }, "dataset": { "kind": "synthetic" },
          "child": { "epochs": {{o.Epochs}} }, "trainer": { "kind": "simulated", "secondsPerEpoch": {{o.SecondsPerEpoch}} },
          "budget": { "candidates": {{o.Candidates}} }, "lease": { "seconds": {{o.LeaseSeconds}} } }
        """);

    private static DateTime? StoppedDuring(SiloFleet fleet, Attempt a) =>
        fleet.All.Where(s => s.Name == a.Silo && s.StoppedUtc >= a.SinceUtc && s.StoppedUtc <= a.LastSeenUtc.AddSeconds(2)).Select(s => s.StoppedUtc).FirstOrDefault();

    private async Task StartCampaignAsync(SiloFleet fleet, string config, ChaosReport report)
    {
        // The nasnet console, as an operator would; retried while the chaos has the cluster or Redis down.
        var (code, output) = await Wait.Until(() => NasNetProcess.RunClientAsync(TimeSpan.FromMinutes(2), ["campaign", "start", "--config", config, "--json", .. fleet.ClusterArgs]),
            r => r.Code == 0, TimeSpan.FromMinutes(3), "campaign start", TimeSpan.FromSeconds(2));
        var id = JsonNode.Parse(output.Trim().Split('\n')[^1])!["id"]!.GetValue<string>();
        var watch = new CampaignWatch(id);
        lock (_gate)
        {
            _active.Add(watch);
            report.Campaigns.Add(watch);
        }

        log($"{Elapsed:F0} s: campaign {id} started ({code})");
    }

    private async Task PollAsync(IGrainFactory grains, SiloFleet fleet, string config, ChaosReport report, Func<bool> chaosOver, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            List<CampaignWatch> active;
            lock (_gate)
            {
                active = _active.ToList();
            }

            if (active.Count == 0)
            {
                if (chaosOver())
                {
                    return;
                }

                await StartCampaignAsync(fleet, config, report);
                continue;
            }

            foreach (var w in active)
            {
                try
                {
                    await w.ReadAsync(grains);
                    if (w.Last!.State != CampaignState.Running)
                    {
                        await w.CheckEndAsync(grains);
                        lock (_gate)
                        {
                            _active.Remove(w);
                        }

                        log($"{Elapsed:F0} s: campaign {w.CampaignId} {w.Last.State} {w.Last.Completed}/{w.Last.Budget}, violations {w.Violations.Count}");
                    }
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                    // A read during an outage: retried at the next poll.
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The trainings the running campaigns' last status reads showed, of those that match.</summary>
    private int TrainingsSeen(Func<TrainerActivity, bool> match)
    {
        lock (_gate)
        {
            return _active.Sum(w => w.Last?.Trainers.Count(match) ?? 0);
        }
    }

    /// <summary>Applies one event; returns the task that brings the target back.</summary>
    private async Task<Task> ApplyAsync(SiloFleet fleet, ChaosReport report, ChaosKind kind, int target, double downtime)
    {
        if (kind == ChaosKind.RedisOutage)
        {
            // Every running training is hit: none can report or store a checkpoint until Redis is back.
            var e = new ChaosEvent(Elapsed, kind, "redis", downtime, TrainingsSeen(_ => true));
            report.Events.Add(e);
            log($"{e.AtSeconds:F0} s: Redis down for {downtime:F1} s");
            redis.Stop();
            await Task.Delay(TimeSpan.FromSeconds(downtime));
            redis.Start();
            return Task.CompletedTask;
        }

        var live = fleet.Live;
        if (live.Count == 0)
        {
            return Task.CompletedTask;
        }

        var victim = live[target % live.Count];
        var hit = TrainingsSeen(t => t.TrainerId.StartsWith(victim.Name + "/", StringComparison.Ordinal));
        var ev = new ChaosEvent(Elapsed, kind, victim.Name, kind == ChaosKind.Restart ? 0 : downtime, hit);
        report.Events.Add(ev);
        log($"{ev.AtSeconds:F0} s: {kind} {victim.Name} ({hit} trainings on it)");
        switch (kind)
        {
            case ChaosKind.KillNine:
                await fleet.KillAsync(victim);
                return RestartLaterAsync(fleet, victim, downtime);
            case ChaosKind.Terminate:
                await fleet.TerminateAsync(victim);
                return RestartLaterAsync(fleet, victim, downtime);
            default:
                await fleet.TerminateAsync(victim);
                await fleet.RestartAsync(victim);
                return Task.CompletedTask;
        }
    }

    private static async Task RestartLaterAsync(SiloFleet fleet, FleetSilo silo, double downtime)
    {
        await Task.Delay(TimeSpan.FromSeconds(downtime));
        await fleet.RestartAsync(silo);
    }

    /// <summary>Fills each event's recovery time from the attempts and completions the reads saw.</summary>
    private void Recoveries(ChaosReport report)
    {
        foreach (var e in report.Events)
        {
            var at = _t0.AddSeconds(e.AtSeconds);
            if (e.Kind == ChaosKind.RedisOutage)
            {
                var back = at.AddSeconds(e.DowntimeSeconds);
                var next = report.Campaigns.SelectMany(c => c.Progress.Where(p => p.At > back && p.Completed > c.Progress.LastOrDefault(q => q.At <= at).Completed)).Select(p => (DateTime?)p.At).Min();
                e.RecoverySeconds = next is { } n ? (n - back).TotalSeconds : null;
                continue;
            }

            // The trainings on the victim at the event: the attempts seen on it before and after it.
            var hit = report.Campaigns.SelectMany(c => c.Attempts.Where(a => a.Silo == e.Target && a.SinceUtc <= at && a.LastSeenUtc >= at.AddSeconds(-1.5)).Select(a => (c, a))).ToList();
            if (hit.Count == 0)
            {
                continue;
            }

            var recovered = hit.Select(x =>
            {
                var again = x.c.Attempts.Where(b => b.CandidateId == x.a.CandidateId && b.SinceUtc > at).Select(b => (DateTime?)b.SinceUtc).Min();
                var done = x.c.DoneSeenUtc.TryGetValue(x.a.CandidateId, out var d) ? d : (DateTime?)null;
                return again ?? done;
            }).ToList();
            e.RecoverySeconds = recovered.All(r => r is not null) ? recovered.Max(r => (r!.Value - at).TotalSeconds) : null;
        }
    }
}
