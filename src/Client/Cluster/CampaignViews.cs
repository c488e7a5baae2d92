using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using CsvHelper;
using NasNet.Core;
using ParetoFront = NasNet.Core.Campaigns.ParetoFront;
using Spectre.Console;

namespace NasNet.Client.Cluster;

/// <summary>Text, JSON, CSV and live renderings of campaign status and results for the console.</summary>
public static class CampaignViews
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The `status --json` object: id, state, budget, completed, failed, pending, running, cacheHits, policyUpdates, rewardsApplied, best{accuracy, hash}, ...</summary>
    public static JsonObject StatusJson(CampaignStatus s) => new()
    {
        ["id"] = s.Id,
        ["name"] = s.Name,
        ["state"] = s.State.Name(),
        ["strategy"] = s.Strategy,
        ["budget"] = s.Budget,
        ["proposed"] = s.Proposed,
        ["completed"] = s.Completed,
        ["failed"] = s.Failed,
        ["pending"] = s.Pending,
        ["running"] = s.Running,
        ["cacheHits"] = s.CacheHits,
        ["policyUpdates"] = s.PolicyUpdates,
        ["rewardsApplied"] = s.RewardsApplied,
        ["rejected"] = s.Rejected,
        ["resumedFromCheckpoint"] = s.Resumes,
        ["promotions"] = s.Promotions,
        ["epochsTrained"] = s.EpochsTrained,
        ["rungs"] = new JsonArray(s.Rungs.Select(r => (JsonNode)r).ToArray()),
        ["staleReportsIgnored"] = s.StaleReports,
        ["rewardMovingAverage"] = Math.Round(s.RewardMovingAverage, 6),
        ["best"] = s.BestAccuracy is null ? null : new JsonObject
        {
            ["accuracy"] = Math.Round(s.BestAccuracy.Value, 6),
            ["rung"] = s.BestRung,
            ["hash"] = s.BestHash,
            ["candidate"] = s.BestCandidateId,
        },
        ["startedUtc"] = s.StartedUtc.ToString("O", CultureInfo.InvariantCulture),
        ["endedUtc"] = s.EndedUtc?.ToString("O", CultureInfo.InvariantCulture),
        ["trainers"] = new JsonArray(s.Trainers.Select(t => (JsonNode)new JsonObject
        {
            ["trainer"] = t.TrainerId,
            ["candidate"] = t.CandidateId,
            ["epoch"] = t.Epoch,
            ["epochs"] = t.Epochs,
        }).ToArray()),
        ["final"] = s.FinalTotal == 0 ? null : new JsonObject { ["done"] = s.FinalDone, ["failed"] = s.FinalFailed, ["total"] = s.FinalTotal },
        ["error"] = s.Error,
        ["host"] = s.Host,
    };

    public static string ToJson(JsonNode node, bool indented = false) => node.ToJsonString(indented ? Indented : null);

    /// <summary>One progress line: done / running / pending / failed, best, reward average, policy version, ETA.</summary>
    public static string ProgressLine(CampaignStatus s)
    {
        var best = s.BestAccuracy is { } b ? b.ToString("F4", CultureInfo.InvariantCulture) : "-";
        var final = s.FinalTotal > 0 ? $"final {s.FinalDone + s.FinalFailed}/{s.FinalTotal}  " : "";
        return $"[{s.State.Name()}] {final}done {s.Completed}/{s.Budget}  running {s.Running}  pending {s.Pending}  failed {s.Failed}  " +
               $"cache hits {s.CacheHits}  best {best}  reward avg {s.RewardMovingAverage.ToString("F4", CultureInfo.InvariantCulture)}  " +
               $"policy v{s.PolicyUpdates}  ETA {Eta(s)}";
    }

    /// <summary>Remaining time from the completion rate so far.</summary>
    public static string Eta(CampaignStatus s)
    {
        if (s.State != CampaignState.Running)
        {
            return "-";
        }

        var finished = s.Completed + s.Failed;
        if (finished == 0)
        {
            return "?";
        }

        var elapsed = DateTime.UtcNow - s.StartedUtc;
        var left = TimeSpan.FromSeconds(elapsed.TotalSeconds / finished * Math.Max(0, s.Budget - finished));
        return left.TotalHours >= 1 ? $"{(int)left.TotalHours}h{left.Minutes:D2}m" : $"{left.Minutes}m{left.Seconds:D2}s";
    }

    public static void PrintStatus(CampaignStatus s, TextWriter o)
    {
        o.WriteLine($"campaign {s.Id} ({s.Name}): {s.State.Name()}");
        if (s.Error is { } error)
        {
            o.WriteLine($"  error: {error}");
        }

        o.WriteLine($"  strategy {s.Strategy}, budget {s.Budget}, proposed {s.Proposed}");
        o.WriteLine($"  done {s.Completed}, running {s.Running}, pending {s.Pending}, failed {s.Failed}, rejected {s.Rejected}, cache hits {s.CacheHits}");
        if (s.FinalTotal > 0)
        {
            o.WriteLine($"  final evaluation: {s.FinalDone}/{s.FinalTotal} trained, {s.FinalFailed} failed");
        }

        if (s.Rungs.Count > 1)
        {
            o.WriteLine($"  ASHA rungs {string.Join("/", s.Rungs)} epochs: {s.Promotions} promotions, {s.EpochsTrained} epochs trained");
        }

        o.WriteLine($"  policy updates {s.PolicyUpdates}, rewards applied {s.RewardsApplied}, reward avg {s.RewardMovingAverage:F4}");
        o.WriteLine($"  resumed from checkpoint {s.Resumes}, stale reports ignored {s.StaleReports}");
        if (s.BestAccuracy is { } b)
        {
            o.WriteLine($"  best {b:F4} ({s.BestCandidateId}, {s.BestHash})");
        }

        foreach (var t in s.Trainers)
        {
            o.WriteLine($"  trainer {t.TrainerId}: {t.CandidateId} epoch {t.Epoch}/{t.Epochs}");
        }
    }

    /// <summary>Where to follow a campaign: its web page (<see cref="PageUrl"/>) and the console.</summary>
    public static string PageHint(CampaignStatus s, string? web = null) => $"page {PageUrl(s, web)}; or 'nasnet campaign watch {s.Id}'";

    /// <summary>
    /// The campaign's page, served by every silo: under <paramref name="web"/> (an embedded silo's address), else under
    /// NASNET_WEB (a port-forward, an ingress), else on the default HTTP port of the silo that hosts its controller.
    /// </summary>
    public static string PageUrl(CampaignStatus s, string? web = null)
    {
        var root = web is { Length: > 0 } ? web
            : Environment.GetEnvironmentVariable("NASNET_WEB") is { Length: > 0 } env ? env
            : $"http://{HostOf(s.Host)}:{new NasNet.Grains.Hosting.NasNetOptions().DashboardPort}";
        return $"{root.TrimEnd('/')}/campaigns/{Uri.EscapeDataString(s.Id)}";
    }

    /// <summary>The IP of a silo address as Orleans prints it ("S10.0.0.5:11111:123456789"), else loopback.</summary>
    private static string HostOf(string siloAddress)
    {
        var a = siloAddress.StartsWith('S') ? siloAddress[1..] : siloAddress;
        var end = a.StartsWith('[') ? a.IndexOf(']') + 1 : a.IndexOf(':');
        var host = end > 0 ? a[..end] : "";
        return host is "" or "0.0.0.0" ? "127.0.0.1" : host;
    }

    /// <summary>The final table as Markdown: one row per architecture, test accuracy mean ± std over seeds, then the comparisons.</summary>
    public static string FinalMarkdown(FinalReportView f)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Final evaluation ({f.Protocol}){(f.Complete ? "" : " - incomplete")}");
        sb.AppendLine();
        sb.AppendLine("| row | test accuracy | validation | params | mult-adds | latency (ms) | seeds |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var r in f.Rows)
        {
            var marks = r.Label == f.BestFound ? " (best found)" : r.Label == f.BestRandom ? " (best random)" : "";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Label}{marks} | {Pct(r.TestMean)}{(r.TestStd is { } sd && r.Trained > 1 ? $" ± {sd * 100:F2}" : "")} | {Pct(r.ValidationMean)} | {r.Params:N0} | {r.MultAdds:N0} | {r.LatencyMs:F2} | {r.Trained}/{r.Seeds} |");
        }

        if (Compare(f) is { Count: > 0 } lines)
        {
            sb.AppendLine();
            foreach (var line in lines)
            {
                sb.AppendLine(line);
            }
        }

        return sb.ToString();
    }

    /// <summary>"best found vs X: +1.23 points" for each reference row (test accuracy means).</summary>
    public static List<string> Compare(FinalReportView f)
    {
        var best = f.Rows.FirstOrDefault(r => r.Label == f.BestFound);
        if (best?.TestMean is not { } b)
        {
            return [];
        }

        return f.Rows.Where(r => r.TestMean is not null && r.Role is not "Found" && (r.Role != "Random" || r.Label == f.BestRandom))
            .Select(r => $"best found ({best.Label}, {Pct(b)}) vs {r.Label} ({Pct(r.TestMean)}): {(b - r.TestMean!.Value) * 100:+0.00;-0.00} points")
            .ToList();
    }

    public static JsonObject FinalJson(FinalReportView f) => new()
    {
        ["protocol"] = f.Protocol,
        ["complete"] = f.Complete,
        ["bestFound"] = f.BestFound,
        ["bestRandom"] = f.BestRandom,
        ["rows"] = new JsonArray(f.Rows.Select(r => (JsonNode)new JsonObject
        {
            ["label"] = r.Label,
            ["role"] = r.Role,
            ["testAccuracy"] = r.TestMean is { } m ? Math.Round(m, 6) : null,
            ["testStd"] = r.TestStd is { } sd ? Math.Round(sd, 6) : null,
            ["validationAccuracy"] = r.ValidationMean is { } v ? Math.Round(v, 6) : null,
            ["params"] = r.Params,
            ["multAdds"] = r.MultAdds,
            ["latencyMs"] = Math.Round(r.LatencyMs, 4),
            ["seeds"] = r.Seeds,
            ["trained"] = r.Trained,
            ["architecture"] = ArchitectureNode(r.Architecture),
        }).ToArray()),
    };

    /// <summary>An architecture in JSON output: a genotype as its object, another space's cell string as a string.</summary>
    private static JsonNode? ArchitectureNode(string text) => SearchSpaces.IsGenotype(text) ? JsonNode.Parse(text) : text;

    private static string Pct(double? x) => x is { } v ? (v * 100).ToString("F2", CultureInfo.InvariantCulture) : "-";

    /// <summary>Polls until the campaign ends (or ct); live table when interactive, a line per change otherwise.</summary>
    public static async Task<CampaignStatus> WatchAsync(ICampaignGrain campaign, TextWriter o, bool interactive, TimeSpan interval, CancellationToken ct)
    {
        var status = await campaign.GetStatus();
        if (interactive)
        {
            await AnsiConsole.Live(Render(status)).StartAsync(async ctx =>
            {
                while (status.State == CampaignState.Running && !ct.IsCancellationRequested)
                {
                    await Task.Delay(interval, ct);
                    status = await campaign.GetStatus();
                    ctx.UpdateTarget(Render(status));
                }
            });
            return status;
        }

        var last = "";
        while (true)
        {
            var line = ProgressLine(status);
            var key = line[..line.LastIndexOf("  ETA", StringComparison.Ordinal)]; // the ETA alone changes every tick
            if (key != last)
            {
                o.WriteLine($"{DateTime.Now:HH:mm:ss} {line}");
                last = key;
            }

            if (status.State != CampaignState.Running)
            {
                return status;
            }

            await Task.Delay(interval, ct);
            status = await campaign.GetStatus();
        }
    }

    private static Spectre.Console.Rendering.IRenderable Render(CampaignStatus s)
    {
        var table = new Table().Title($"campaign {Markup.Escape(s.Id)} [grey]({Markup.Escape(s.State.Name())})[/]");
        table.AddColumns("done", "running", "pending", "failed", "cache hits", "best", "reward avg", "policy", "ETA");
        table.AddRow(
            $"{s.Completed}/{s.Budget}", s.Running.ToString(CultureInfo.InvariantCulture), s.Pending.ToString(CultureInfo.InvariantCulture),
            s.Failed.ToString(CultureInfo.InvariantCulture), s.CacheHits.ToString(CultureInfo.InvariantCulture),
            s.BestAccuracy?.ToString("F4", CultureInfo.InvariantCulture) ?? "-", s.RewardMovingAverage.ToString("F4", CultureInfo.InvariantCulture),
            $"v{s.PolicyUpdates}", Eta(s));
        var trainers = new Table().AddColumns("trainer", "candidate", "epoch");
        foreach (var t in s.Trainers)
        {
            trainers.AddRow(Markup.Escape(t.TrainerId), Markup.Escape(t.CandidateId), $"{t.Epoch}/{t.Epochs}");
        }

        return new Rows(table, trainers);
    }

    /// <summary>The best K trained candidates as the leaderboard ranks them (highest rung, then objective), best first.</summary>
    public static async Task<CandidateView[]> BestAsync(IGrainFactory grains, ICampaignGrain campaign, int top)
    {
        var rows = await campaign.GetLeaderboard(0, top);
        return await Task.WhenAll(rows.Select(r => grains.GetGrain<ICandidateGrain>(r.CandidateId).Get()));
    }

    public static JsonArray BestJson(IEnumerable<CandidateView> best) => new(best.Select((c, i) => (JsonNode)new JsonObject
    {
        ["rank"] = i + 1,
        ["candidate"] = c.CandidateId,
        ["accuracy"] = c.Result is { } r ? Math.Round(r.ValidationAccuracy, 6) : null,
        ["test"] = c.Result?.TestAccuracy is { } t ? Math.Round(t, 6) : null,
        ["reward"] = Math.Round(c.Reward, 6),
        ["epochs"] = c.Result?.Epochs,
        ["hash"] = c.Hash,
        ["params"] = c.Result?.Params,
        ["multAdds"] = c.Result?.MultAdds,
        ["latencyMs"] = c.Result?.LatencyMs,
        ["trainer"] = c.Result?.TrainerId,
        ["genotype"] = ArchitectureNode(c.GenotypeJson),
    }).ToArray());

    /// <summary>
    /// The accuracy-vs-cost Pareto fronts of every trained candidate (search results; cache hits left out): by
    /// mult-adds and by the latency measured on the trainer. The search's candidates are the first
    /// <paramref name="searched"/> (<see cref="CampaignStatus.Proposed"/>); final-evaluation trainings follow them.
    /// </summary>
    public static (CandidateSummary[] MultAdds, CandidateSummary[] Latency) ParetoFronts(IReadOnlyList<CandidateSummary> candidates, int searched)
    {
        var trained = candidates.Where(c => c.Number < searched && c.Status == CandidateStatus.Done && c.CacheHitOf is null).ToArray();
        var accuracies = trained.Select(c => c.Accuracy).ToArray();
        CandidateSummary[] Front(Func<CandidateSummary, double> cost) =>
            ParetoFront.Of(trained.Select(cost).ToArray(), accuracies).Select(i => trained[i]).ToArray();
        return (Front(c => c.MultAdds), Front(c => c.LatencyMs));
    }

    public static void PrintPareto(IReadOnlyList<CandidateSummary> candidates, int searched, TextWriter o)
    {
        var (multAdds, latency) = ParetoFronts(candidates, searched);
        if (multAdds.Length == 0 && latency.Length == 0)
        {
            return;
        }

        o.WriteLine("Pareto front, accuracy vs cost (cheapest first; no cheaper candidate is more accurate):");
        if (multAdds.Length > 0)
        {
            o.WriteLine($"  by mult-adds: {string.Join("  ", multAdds.Select(c => $"#{c.Number} {c.Accuracy:F4} @ {c.MultAdds:N0}"))}");
        }

        if (latency.Length > 0)
        {
            o.WriteLine($"  by latency:   {string.Join("  ", latency.Select(c => $"#{c.Number} {c.Accuracy:F4} @ {c.LatencyMs:F2} ms"))}");
        }
    }

    public static JsonObject ParetoJson(IReadOnlyList<CandidateSummary> candidates, int searched)
    {
        var (multAdds, latency) = ParetoFronts(candidates, searched);
        JsonArray Rows(IEnumerable<CandidateSummary> front) => new(front.Select(c => (JsonNode)new JsonObject
        {
            ["candidate"] = c.CandidateId,
            ["accuracy"] = Math.Round(c.Accuracy, 6),
            ["params"] = c.Params,
            ["multAdds"] = c.MultAdds,
            ["latencyMs"] = Math.Round(c.LatencyMs, 4),
            ["rung"] = c.Rung,
        }).ToArray());
        return new JsonObject { ["multAdds"] = Rows(multAdds), ["latency"] = Rows(latency) };
    }

    public static void PrintBest(IReadOnlyList<CandidateView> best, TextWriter o)
    {
        // A tabular campaign's rows carry the table's test accuracy (NAS-Bench-201: cifar10_test_200) and a cell string.
        var tabular = best.Any(c => !SearchSpaces.IsGenotype(c.GenotypeJson));
        o.WriteLine(tabular
            ? $"{"rank",4}  {"accuracy",8}  {"test",8}  {"params",10}  candidate  cell"
            : $"{"rank",4}  {"accuracy",8}  {"params",10}  {"latency",8}  candidate  hash");
        for (var i = 0; i < best.Count; i++)
        {
            var c = best[i];
            o.WriteLine(tabular
                ? $"{i + 1,4}  {c.Result?.ValidationAccuracy ?? 0,8:F4}  {c.Result?.TestAccuracy ?? 0,8:F4}  {c.Result?.Params,10}  {c.CandidateId}  {c.GenotypeJson}"
                : $"{i + 1,4}  {c.Result?.ValidationAccuracy ?? 0,8:F4}  {c.Result?.Params,10}  {c.Result?.LatencyMs,6:F2}ms  {c.CandidateId}  {c.Hash}");
        }
    }

    /// <summary>Writes best genotypes (JSON), SVGs of the best cells, a CSV of every candidate and the best weights.</summary>
    public static async Task<IReadOnlyList<string>> ExportAsync(IGrainFactory grains, ICampaignGrain campaign, string dir, int top)
    {
        Directory.CreateDirectory(dir);
        var written = new List<string>();
        var status = await campaign.GetStatus();
        var best = await BestAsync(grains, campaign, top);
        var path = Path.Combine(dir, "status.json");
        await File.WriteAllTextAsync(path, ToJson(StatusJson(status), true));
        written.Add(path);
        path = Path.Combine(dir, "best.json");
        await File.WriteAllTextAsync(path, ToJson(BestJson(best), true));
        written.Add(path);
        path = Path.Combine(dir, "pareto.json");
        await File.WriteAllTextAsync(path, ToJson(ParetoJson(await campaign.GetCandidates(), status.Proposed), true));
        written.Add(path);
        if (best.Length > 0 && !SearchSpaces.IsGenotype(best[0].GenotypeJson))
        {
            path = Path.Combine(dir, "best-cell.txt"); // another space's cell string (NAS-Bench-201: |op~0|+|op~0|op~1|+...)
            await File.WriteAllTextAsync(path, best[0].GenotypeJson + "\n");
            written.Add(path);
        }
        else if (best.Length > 0)
        {
            var genotype = GenotypeJson.Parse(best[0].GenotypeJson);
            path = Path.Combine(dir, "best-genotype.json");
            await File.WriteAllTextAsync(path, GenotypeJson.Serialize(genotype));
            written.Add(path);
            path = Path.Combine(dir, "best-normal.svg");
            await File.WriteAllTextAsync(path, CellDiagram.ToSvg(genotype.Normal, "best normal cell"));
            written.Add(path);
            path = Path.Combine(dir, "best-reduction.svg");
            await File.WriteAllTextAsync(path, CellDiagram.ToSvg(genotype.Reduction, "best reduction cell"));
            written.Add(path);
            if (await grains.GetGrain<ICandidateGrain>(best[0].CandidateId).GetWeights() is { } weights)
            {
                path = Path.Combine(dir, "best-weights.dat");
                await File.WriteAllBytesAsync(path, weights);
                written.Add(path);
            }
        }

        var final = await campaign.GetFinalReport();
        if (final.Rows.Count > 0)
        {
            path = Path.Combine(dir, "final.md");
            await File.WriteAllTextAsync(path, FinalMarkdown(final));
            written.Add(path);
            path = Path.Combine(dir, "final.json");
            await File.WriteAllTextAsync(path, ToJson(FinalJson(final), true));
            written.Add(path);
        }

        var rows = await campaign.GetCandidates();
        var views = new List<CandidateView>(rows.Length);
        foreach (var chunk in rows.Chunk(256))
        {
            views.AddRange(await Task.WhenAll(chunk.Select(r => grains.GetGrain<ICandidateGrain>(r.CandidateId).Get())));
        }

        path = Path.Combine(dir, "candidates.csv");
        await using (var file = new StreamWriter(path))
        {
            WriteCandidatesCsv(file, views);
        }

        written.Add(path);
        return written;
    }

    /// <summary>The columns of candidates.csv.</summary>
    public static readonly string[] CandidateCsvColumns =
    [
        "number", "candidate", "status", "reward", "validation_accuracy", "test_accuracy", "params", "mult_adds", "latency_ms",
        "throughput_ips", "epochs", "seconds", "trainer", "attempts", "resumed_from_epoch", "cache_hit_of", "policy_version",
        "hash", "outcome", "reason",
    ];

    /// <summary>
    /// Writes candidates.csv: one record per candidate, RFC 4180 by CsvHelper (CRLF records; a field holding a comma,
    /// quote or line break is quoted with its quotes doubled, so a failure reason survives as it is), numbers in the
    /// invariant culture with round-trip precision, absent values as empty fields.
    /// </summary>
    public static void WriteCandidatesCsv(TextWriter writer, IEnumerable<CandidateView> views)
    {
        using var csv = CsvWriter.Create(writer, leaveOpen: true);
        csv.WriteHeader(CandidateCsvColumns);
        foreach (var v in views)
        {
            var r = v.Result;
            object?[] fields =
            [
                v.Number, v.CandidateId, v.Status, v.Reward, r?.ValidationAccuracy, r?.TestAccuracy, r?.Params, r?.MultAdds, r?.LatencyMs,
                r?.ThroughputImagesPerSecond, r?.Epochs, r?.Seconds, r?.TrainerId, v.Attempts, r?.ResumedFromEpoch, v.CacheHitOf, v.PolicyVersion,
                v.Hash, r?.Outcome, r?.Reason ?? v.FailureReason,
            ];
            foreach (var f in fields)
            {
                csv.WriteField(CsvText(f));
            }

            csv.EndRecord();
        }
    }

    private static string? CsvText(object? value) => value switch
    {
        null => null,
        Enum e => WireEnum.Name(e),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
