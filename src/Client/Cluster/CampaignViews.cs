using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using CsvHelper;
using NasNet.Core;
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
        ["state"] = s.State,
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
        ["resumedFromCheckpoint"] = s.Resumes,
        ["staleReportsIgnored"] = s.StaleReports,
        ["rewardMovingAverage"] = Math.Round(s.RewardMovingAverage, 6),
        ["best"] = s.BestAccuracy is null ? null : new JsonObject
        {
            ["accuracy"] = Math.Round(s.BestAccuracy.Value, 6),
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
        ["error"] = s.Error,
        ["host"] = s.Host,
    };

    public static string ToJson(JsonNode node, bool indented = false) => node.ToJsonString(indented ? Indented : null);

    /// <summary>One progress line: done / running / pending / failed, best, reward average, policy version, ETA.</summary>
    public static string ProgressLine(CampaignStatus s)
    {
        var best = s.BestAccuracy is { } b ? b.ToString("F4", CultureInfo.InvariantCulture) : "-";
        return $"[{s.State}] done {s.Completed}/{s.Budget}  running {s.Running}  pending {s.Pending}  failed {s.Failed}  " +
               $"cache hits {s.CacheHits}  best {best}  reward avg {s.RewardMovingAverage.ToString("F4", CultureInfo.InvariantCulture)}  " +
               $"policy v{s.PolicyUpdates}  ETA {Eta(s)}";
    }

    /// <summary>Remaining time from the completion rate so far.</summary>
    public static string Eta(CampaignStatus s)
    {
        if (s.State != CampaignStates.Running)
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
        o.WriteLine($"campaign {s.Id} ({s.Name}): {s.State}");
        o.WriteLine($"  strategy {s.Strategy}, budget {s.Budget}, proposed {s.Proposed}");
        o.WriteLine($"  done {s.Completed}, running {s.Running}, pending {s.Pending}, failed {s.Failed}, cache hits {s.CacheHits}");
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

    /// <summary>Polls until the campaign ends (or ct); live table when interactive, a line per change otherwise.</summary>
    public static async Task<CampaignStatus> WatchAsync(ICampaignGrain campaign, TextWriter o, bool interactive, TimeSpan interval, CancellationToken ct)
    {
        var status = await campaign.GetStatus();
        if (interactive)
        {
            await AnsiConsole.Live(Render(status)).StartAsync(async ctx =>
            {
                while (status.State == CampaignStates.Running && !ct.IsCancellationRequested)
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

            if (status.State != CampaignStates.Running)
            {
                return status;
            }

            await Task.Delay(interval, ct);
            status = await campaign.GetStatus();
        }
    }

    private static Spectre.Console.Rendering.IRenderable Render(CampaignStatus s)
    {
        var table = new Table().Title($"campaign {Markup.Escape(s.Id)} [grey]({Markup.Escape(s.State)})[/]");
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

    /// <summary>The best K trained candidates (cache hits folded into the candidate they reused), best first.</summary>
    public static async Task<CandidateView[]> BestAsync(IGrainFactory grains, ICampaignGrain campaign, int top)
    {
        var rows = await campaign.GetCandidates();
        var ids = rows.Where(r => r.Status == CandidateStatuses.Done && r.CacheHitOf is null)
            .OrderByDescending(r => r.Reward).ThenBy(r => r.Number).Take(top).Select(r => r.CandidateId);
        return await Task.WhenAll(ids.Select(id => grains.GetGrain<ICandidateGrain>(id).Get()));
    }

    public static JsonArray BestJson(IEnumerable<CandidateView> best) => new(best.Select((c, i) => (JsonNode)new JsonObject
    {
        ["rank"] = i + 1,
        ["candidate"] = c.CandidateId,
        ["accuracy"] = Math.Round(c.Reward, 6),
        ["hash"] = c.Hash,
        ["params"] = c.Result?.Params,
        ["multAdds"] = c.Result?.MultAdds,
        ["latencyMs"] = c.Result?.LatencyMs,
        ["trainer"] = c.Result?.TrainerId,
        ["genotype"] = JsonNode.Parse(c.GenotypeJson),
    }).ToArray());

    public static void PrintBest(IReadOnlyList<CandidateView> best, TextWriter o)
    {
        o.WriteLine($"{"rank",4}  {"accuracy",8}  {"params",10}  {"latency",8}  candidate  hash");
        for (var i = 0; i < best.Count; i++)
        {
            var c = best[i];
            o.WriteLine($"{i + 1,4}  {c.Reward,8:F4}  {c.Result?.Params,10}  {c.Result?.LatencyMs,6:F2}ms  {c.CandidateId}  {c.Hash}");
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
        if (best.Length > 0)
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
        Enum e => WireNames.Of(e),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
