using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NasNet.Client.Cluster;
using NasNet.Core;
using NasNet.Core.Campaigns;
using NasNet.Silo;

using CampaignState = NasNet.Grains.Interfaces.CampaignState;

namespace NasNet.Client.Commands;

/// <summary>`nasnet campaign start|validate|watch|status|best|export|stop|resume|list`.</summary>
public static partial class CampaignCommands
{
    public static Command Create()
    {
        var command = new Command("campaign", "Start, watch and export search campaigns on a cluster");
        command.Subcommands.Add(Start());
        command.Subcommands.Add(Validate());
        command.Subcommands.Add(Watch());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Best());
        command.Subcommands.Add(Export());
        command.Subcommands.Add(Evaluate());
        command.Subcommands.Add(StopOrResume("stop", "Stop a campaign (running trainings give their candidates back)"));
        command.Subcommands.Add(StopOrResume("resume", "Resume a stopped campaign (or re-drive one after a restart)"));
        command.Subcommands.Add(List());
        return command;
    }

    private static Argument<string> IdArgument() => new("id") { Description = "campaign id (printed by 'campaign start')" };

    private static Option<bool> JsonOption() => new("--json") { Description = "print JSON" };

    private static Command Start()
    {
        var cluster = new ClusterOptions();
        var config = new Option<string>("--config") { Description = "campaign config JSON file", Required = true };
        var json = JsonOption();
        var local = new Option<bool>("--local") { Description = "run in an embedded silo in this process and wait until the campaign ends" };
        var id = new Option<string?>("--id") { Description = "campaign id (default: the config name, a timestamp and a random suffix)" };
        var slots = new Option<int>("--slots") { Description = "--local only: training slots (0 = auto)" };
        var outDir = new Option<string?>("--out") { Description = "--local only: export the results to this directory at the end" };
        var command = new Command("start", "Start a campaign from a config file and print its id");
        command.Options.Add(config);
        command.Options.Add(json);
        command.Options.Add(local);
        command.Options.Add(id);
        command.Options.Add(slots);
        command.Options.Add(outDir);
        cluster.AddTo(command);
        command.SetAction(async (p, ct) =>
        {
            var parsed = CampaignConfig.Load(p.GetValue(config)!);
            var campaignId = p.GetValue(id) is { Length: > 0 } given ? CheckId(given) : NewId(parsed.Name);
            if (p.GetValue(local))
            {
                var status = await RunLocalAsync(parsed, campaignId, p.GetValue(slots), p.GetValue(json), p.GetValue(outDir), ct);
                return status.State == CampaignState.Completed ? 0 : 1;
            }

            // A remote cluster's silos may see other dataset paths than this client: check what the config alone decides
            // here; the controller checks the data in Start. (--local reads the data in RunLocalAsync.)
            CampaignPreflight.Check(parsed, readData: false);
            await using var connection = await ClusterConnection.ConnectAsync(cluster.Read(p), ct);
            var started = await connection.Client.GetGrain<ICampaignGrain>(campaignId).Start(parsed.ToJson());
            Console.WriteLine(p.GetValue(json) ? new JsonObject { ["id"] = started.Id }.ToJsonString() : started.Id);
            if (!p.GetValue(json))
            {
                Console.Error.WriteLine(CampaignViews.PageHint(started)); // on stderr: stdout stays the id alone, for scripts
            }
            return 0;
        });
        return command;
    }

    private static Command Validate()
    {
        var config = new Option<string>("--config") { Description = "campaign config JSON file", Required = true };
        var noData = new Option<bool>("--no-data") { Description = "check the config alone, without reading the dataset (it is on the cluster's silos)" };
        var command = new Command("validate", "Check a campaign config and its data; print the full effective config (every default filled in)");
        command.Options.Add(config);
        command.Options.Add(noData);
        command.SetAction(p =>
        {
            var parsed = CampaignConfig.Load(p.GetValue(config)!);
            var problems = CampaignPreflight.Problems(parsed, readData: !p.GetValue(noData));
            foreach (var problem in problems)
            {
                Console.Error.WriteLine($"error: {problem}");
            }

            if (problems.Count > 0)
            {
                return 1;
            }

            Console.WriteLine(parsed.ToJson(indented: true));
            return 0;
        });
        return command;
    }

    /// <summary>Runs a campaign in an embedded silo, blocking until it ends; prints progress and the final status.</summary>
    public static async Task<CampaignStatus> RunLocalAsync(CampaignConfig config, string campaignId, int slots, bool json, string? exportDir, CancellationToken ct, TextWriter? progress = null)
    {
        progress ??= json ? Console.Error : Console.Out;
        CampaignPreflight.Check(config);

        var settings = EmbeddedSettings(slots);
        await using var silo = await EmbeddedSilo.StartAsync(settings, ct: ct);
        progress.WriteLine($"embedded silo started ({silo.Slots} slots; dashboard {silo.HttpAddress}/dashboard/)");
        var campaign = silo.Client.GetGrain<ICampaignGrain>(campaignId);
        var started = await campaign.Start(config.ToJson());
        progress.WriteLine($"campaign {campaignId}: {WireEnum.Name(config.Strategy.Kind)}, {config.Budget.Candidates} candidates, trainer {WireEnum.Name(config.Trainer.Kind)}, {(config.Trainer.Kind == TrainerKind.Tabular ? $"table {config.Trainer.Table}" : $"dataset {config.Child.Dataset}")}");
        progress.WriteLine($"page {CampaignViews.PageUrl(started, silo.HttpAddress)} (served while this runs)");
        CampaignStatus status;
        try
        {
            status = await CampaignViews.WatchAsync(campaign, progress, interactive: !json && !Console.IsOutputRedirected && progress == Console.Out, TimeSpan.FromSeconds(1), ct);
        }
        catch (OperationCanceledException)
        {
            status = await campaign.Stop();
        }

        if (exportDir is not null)
        {
            foreach (var f in await CampaignViews.ExportAsync(silo.Client, campaign, exportDir, 5))
            {
                progress.WriteLine($"wrote {f}");
            }
        }

        if (json)
        {
            Console.WriteLine(CampaignViews.ToJson(CampaignViews.StatusJson(status)));
        }
        else
        {
            CampaignViews.PrintBest(await CampaignViews.BestAsync(silo.Client, campaign, 5), Console.Out);
            CampaignViews.PrintPareto(await campaign.GetCandidates(), status.Proposed, Console.Out);
            CampaignViews.PrintStatus(status, Console.Out);
            if (await campaign.GetFinalReport() is { Rows.Count: > 0 } final)
            {
                Console.WriteLine();
                Console.WriteLine(CampaignViews.FinalMarkdown(final));
            }
        }

        return status;
    }

    /// <summary>Settings of an embedded silo: free loopback ports, memory providers, quiet logs.</summary>
    public static Dictionary<string, string?> EmbeddedSettings(int slots) => new()
    {
        ["NasNet:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["NasNet:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["NasNet:DashboardPort"] = "0",
        ["NasNet:ClusterId"] = $"embedded-{Environment.ProcessId}",
        ["NasNet:Slots"] = Math.Max(0, slots).ToString(System.Globalization.CultureInfo.InvariantCulture), // 0: the silo's default (TrainingHost.DefaultSlots)
    };

    private static Command Evaluate()
    {
        var cluster = new ClusterOptions();
        var id = IdArgument();
        var defaults = new FinalSettings();
        var top = new Option<int>("--top") { Description = "found cells to retrain (the leaderboard's first K)", DefaultValueFactory = _ => defaults.Top };
        var cells = new Option<int?>("--cells") { Description = "N of the final children (default: the search's)" };
        var filters = new Option<int?>("--filters") { Description = "F of the final children (default: the search's)" };
        var epochs = new Option<int>("--epochs") { Description = "epochs of each final training", DefaultValueFactory = _ => defaults.Epochs };
        var seeds = new Option<int>("--seeds") { Description = "seeds per row (mean ± std)", DefaultValueFactory = _ => defaults.Seeds };
        var random = new Option<int>("--random") { Description = "random cells in the random-search baseline (0 = as many as --top)" };
        var subset = new Option<int?>("--train-subset") { Description = "training images (default: the whole training split)" };
        var lr = new Option<double?>("--lr") { Description = "learning rate of the final training (default: the search's)" };
        var reference = new Option<string?>("--reference") { Description = $"hand-designed reference: {string.Join(" | ", NasNet.Core.Networks.ReferenceNetworks.Names)} | none", DefaultValueFactory = _ => defaults.Reference };
        var noWait = new Option<bool>("--no-wait") { Description = "start the evaluation and return (follow it with 'campaign watch')" };
        var json = JsonOption();
        var command = new Command("evaluate", "Retrain the best found cells at the final size beside NASNet-A, random cells and a hand-designed network (the paper's protocol), and print the table");
        command.Arguments.Add(id);
        foreach (var o in new Option[] { top, cells, filters, epochs, seeds, random, subset, lr, reference, noWait, json })
        {
            command.Options.Add(o);
        }

        cluster.AddTo(command);
        command.SetAction(async (p, ct) =>
        {
            var settings = new FinalSettings
            {
                Top = p.GetValue(top),
                Cells = p.GetValue(cells),
                Filters = p.GetValue(filters),
                Epochs = p.GetValue(epochs),
                Seeds = p.GetValue(seeds),
                RandomCells = p.GetValue(random),
                TrainSubset = p.GetValue(subset),
                LearningRate = p.GetValue(lr),
                Reference = p.GetValue(reference) is "none" or "" ? null : p.GetValue(reference),
            }.Validate();
            await using var connection = await ClusterConnection.ConnectAsync(cluster.Read(p), ct);
            var campaign = connection.Client.GetGrain<ICampaignGrain>(p.GetValue(id)!);
            var status = await campaign.Evaluate(WorkJson.Write(settings));
            Console.Error.WriteLine($"campaign {status.Id}: final evaluation of {status.FinalTotal} trainings started ({CampaignViews.PageHint(status)})");
            if (p.GetValue(noWait))
            {
                return 0;
            }

            status = await CampaignViews.WatchAsync(campaign, Console.Error, interactive: false, TimeSpan.FromSeconds(2), ct);
            var final = await campaign.GetFinalReport();
            Console.WriteLine(p.GetValue(json) ? CampaignViews.ToJson(CampaignViews.FinalJson(final), true) : CampaignViews.FinalMarkdown(final));
            return status.State == CampaignState.Completed && final.Complete ? 0 : 1;
        });
        return command;
    }

    private static Command Watch()
    {
        var cluster = new ClusterOptions();
        var id = IdArgument();
        var command = new Command("watch", "Follow a campaign live until it ends");
        command.Arguments.Add(id);
        cluster.AddTo(command);
        command.SetAction(async (p, ct) =>
        {
            await using var connection = await ClusterConnection.ConnectAsync(cluster.Read(p), ct);
            var campaign = connection.Client.GetGrain<ICampaignGrain>(p.GetValue(id)!);
            Console.WriteLine($"page {CampaignViews.PageUrl(await campaign.GetStatus())}");
            var status = await CampaignViews.WatchAsync(campaign, Console.Out, !Console.IsOutputRedirected, TimeSpan.FromSeconds(1), ct);
            CampaignViews.PrintStatus(status, Console.Out);
            return 0;
        });
        return command;
    }

    private static Command Status()
    {
        var cluster = new ClusterOptions();
        var id = IdArgument();
        var json = JsonOption();
        var command = new Command("status", "Print a campaign's progress");
        command.Arguments.Add(id);
        command.Options.Add(json);
        cluster.AddTo(command);
        command.SetAction(async (p, ct) =>
        {
            await using var connection = await ClusterConnection.ConnectAsync(cluster.Read(p), ct);
            var status = await connection.Client.GetGrain<ICampaignGrain>(p.GetValue(id)!).GetStatus();
            if (p.GetValue(json))
            {
                Console.WriteLine(CampaignViews.ToJson(CampaignViews.StatusJson(status)));
            }
            else
            {
                CampaignViews.PrintStatus(status, Console.Out);
                Console.WriteLine($"  page {CampaignViews.PageUrl(status)}");
                if (status.FinalTotal > 0)
                {
                    Console.WriteLine();
                    Console.WriteLine(CampaignViews.FinalMarkdown(await connection.Client.GetGrain<ICampaignGrain>(p.GetValue(id)!).GetFinalReport()));
                }
            }

            return 0;
        });
        return command;
    }

    private static Command Best()
    {
        var cluster = new ClusterOptions();
        var id = IdArgument();
        var json = JsonOption();
        var top = new Option<int>("--top") { Description = "how many", DefaultValueFactory = _ => 5 };
        var command = new Command("best", "Print the best candidates so far");
        command.Arguments.Add(id);
        command.Options.Add(top);
        command.Options.Add(json);
        cluster.AddTo(command);
        command.SetAction(async (p, ct) =>
        {
            await using var connection = await ClusterConnection.ConnectAsync(cluster.Read(p), ct);
            var campaign = connection.Client.GetGrain<ICampaignGrain>(p.GetValue(id)!);
            var status = await campaign.GetStatus();
            var best = await CampaignViews.BestAsync(connection.Client, campaign, Math.Max(1, p.GetValue(top)));
            if (p.GetValue(json))
            {
                Console.WriteLine(CampaignViews.ToJson(CampaignViews.BestJson(best)));
            }
            else
            {
                CampaignViews.PrintBest(best, Console.Out);
                CampaignViews.PrintPareto(await campaign.GetCandidates(), status.Proposed, Console.Out);
            }

            return 0;
        });
        return command;
    }

    private static Command Export()
    {
        var cluster = new ClusterOptions();
        var id = IdArgument();
        var outDir = new Option<string>("--out") { Description = "directory to write", Required = true };
        var top = new Option<int>("--top") { Description = "genotypes in best.json", DefaultValueFactory = _ => 5 };
        var command = new Command("export", "Write best genotypes (JSON), cell diagrams (SVG), every candidate (CSV) and the best weights");
        command.Arguments.Add(id);
        command.Options.Add(outDir);
        command.Options.Add(top);
        cluster.AddTo(command);
        command.SetAction(async (p, ct) =>
        {
            await using var connection = await ClusterConnection.ConnectAsync(cluster.Read(p), ct);
            var campaign = connection.Client.GetGrain<ICampaignGrain>(p.GetValue(id)!);
            foreach (var f in await CampaignViews.ExportAsync(connection.Client, campaign, p.GetValue(outDir)!, Math.Max(1, p.GetValue(top))))
            {
                Console.WriteLine(f);
            }

            return 0;
        });
        return command;
    }

    private static Command StopOrResume(string name, string description)
    {
        var cluster = new ClusterOptions();
        var id = IdArgument();
        var json = JsonOption();
        var command = new Command(name, description);
        command.Arguments.Add(id);
        command.Options.Add(json);
        cluster.AddTo(command);
        command.SetAction(async (p, ct) =>
        {
            await using var connection = await ClusterConnection.ConnectAsync(cluster.Read(p), ct);
            var campaign = connection.Client.GetGrain<ICampaignGrain>(p.GetValue(id)!);
            var status = name == "stop" ? await campaign.Stop() : await campaign.Resume();
            Console.WriteLine(p.GetValue(json) ? CampaignViews.ToJson(CampaignViews.StatusJson(status)) : $"{status.Id}: {status.State.Name()}");
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var cluster = new ClusterOptions();
        var json = JsonOption();
        var command = new Command("list", "List the campaigns of the cluster");
        command.Options.Add(json);
        cluster.AddTo(command);
        command.SetAction(async (p, ct) =>
        {
            await using var connection = await ClusterConnection.ConnectAsync(cluster.Read(p), ct);
            var ids = await connection.Client.GetGrain<IWorkBrokerGrain>(0).List();
            var statuses = await Task.WhenAll(ids.Select(i => connection.Client.GetGrain<ICampaignGrain>(i).GetStatus()));
            if (p.GetValue(json))
            {
                Console.WriteLine(new JsonArray(statuses.Select(s => (JsonNode)CampaignViews.StatusJson(s)).ToArray()).ToJsonString());
            }
            else
            {
                foreach (var s in statuses)
                {
                    Console.WriteLine($"{s.Id}  {s.State.Name(),-9}  {s.Completed}/{s.Budget}  best {s.BestAccuracy?.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");
                }
            }

            return 0;
        });
        return command;
    }

    /// <summary>A new campaign id: the config name, a UTC timestamp and a random suffix.</summary>
    public static string NewId(string name)
    {
        var slug = SlugChars().Replace(name.ToLowerInvariant(), "-").Trim('-');
        return $"{(slug.Length == 0 ? "campaign" : slug)}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}";
    }

    private static string CheckId(string id) => IdChars().IsMatch(id)
        ? id
        : throw new UserErrorException($"--id '{id}' may use only letters, digits, '-', '_' and '.'");

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [GeneratedRegex("[^a-z0-9._-]+")]
    private static partial Regex SlugChars();

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex IdChars();
}
