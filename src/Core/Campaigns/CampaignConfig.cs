using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using NasNet.Core.Controller;
using NasNet.Core.Datasets;
using NasNet.Core.Training;

namespace NasNet.Core.Campaigns;

/// <summary>
/// A campaign: search space, strategy, dataset, child training, trainer, budget, cost and lease settings, the final
/// evaluation, and seed.
/// Bound from JSON by System.Text.Json, one record per section whose initializers are the only defaults; every field
/// is optional. Comments and trailing commas are allowed. Any mistake — an unknown or misspelt field, a wrong type, a
/// value out of range, settings that contradict each other — is a one-line <see cref="UserErrorException"/> naming
/// the field's path ("unknown field child.epoch: did you mean child.epochs?"). <see cref="ToJson"/> writes the full
/// effective config in the same shape, every default filled in.
/// </summary>
/// <remarks>
/// In JSON the dataset is its own section, <c>"dataset": {"kind": "fashion-mnist", "dir": null}</c>; in code it is
/// <see cref="ChildTrainingSpec.Dataset"/> and <see cref="ChildTrainingSpec.DataDir"/>, because the spec is what a
/// trainer receives.
/// </remarks>
public sealed record CampaignConfig
{
    /// <summary>Trainer kinds a config may name.</summary>
    public static readonly IReadOnlyList<string> TrainerKinds = WireEnum.All<TrainerKind>();

    private static readonly JsonSerializerOptions Options = CreateOptions(indented: false);
    private static readonly JsonSerializerOptions IndentedOptions = CreateOptions(indented: true);

    /// <summary>The campaign's name (a prefix of its default id).</summary>
    public string Name { get; init; } = "campaign";

    /// <summary>Seed of the strategy and of every candidate's training.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>nasnet | nas-bench-201.</summary>
    public SearchSpaceKind SearchSpace { get; init; } = SearchSpaceKind.NasNet;

    public StrategyOptions Strategy { get; init; } = new();

    /// <summary>Child training settings, including the dataset (JSON: the <c>dataset</c> section's kind and dir).</summary>
    public ChildTrainingSpec Child { get; init; } = new();

    public TrainerSettings Trainer { get; init; } = new();

    public BudgetSettings Budget { get; init; } = new();

    /// <summary>Epochs per candidate: one rung (none) or ASHA's rungs.</summary>
    public ScheduleSettings Schedule { get; init; } = new();

    public CostSettings Cost { get; init; } = new();

    public LeaseSettings Lease { get; init; } = new();

    /// <summary>The final evaluation run when the search ends (null: none; `campaign evaluate` starts one later).</summary>
    public FinalSettings? Final { get; init; }

    /// <summary>Reads a config file; a missing or malformed file is a one-line user error.</summary>
    public static CampaignConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new UserErrorException($"campaign config '{path}' does not exist: pass --config with a JSON file");
        }

        return Parse(File.ReadAllText(path));
    }

    /// <summary>Parses, fills in the defaults and validates a config JSON text.</summary>
    public static CampaignConfig Parse(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new UserErrorException($"campaign config is not valid JSON (line {e.LineNumber + 1}): {FirstLine(e.Message)}");
        }

        if (node is not JsonObject root)
        {
            throw new UserErrorException("campaign config must be a JSON object like {\"name\": ..., \"budget\": {\"candidates\": 20}}");
        }

        var datasetNode = root["dataset"];
        var hasDataset = root.Remove("dataset");
        if (hasDataset && datasetNode is not JsonObject)
        {
            throw new UserErrorException($"dataset: must be a JSON object like {{\"kind\": \"fashion-mnist\", \"dir\": null}} (got {datasetNode?.ToJsonString() ?? "null"})");
        }

        var dataset = datasetNode is null ? new DatasetSection() : ConfigBinder.Bind<DatasetSection>(datasetNode, "dataset", Options);
        var config = ConfigBinder.Bind<CampaignConfig>(root, "", Options);
        var child = ConfigCheck.Present("child", config.Child);
        child = child with { Dataset = dataset.Kind ?? child.Dataset, DataDir = dataset.Dir };
        return (config with { Child = child with { Augment = child.EffectiveAugmentation } }).Validate();
    }

    /// <summary>Checks every section, then the rules across sections; one line naming the first bad field.</summary>
    public CampaignConfig Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new UserErrorException("name: must be a non-empty string");
        }

        ConfigCheck.Range("seed", Seed, 0, long.MaxValue);
        if (!Enum.IsDefined(SearchSpace))
        {
            throw new UserErrorException(WireEnum.NotOneOf<SearchSpaceKind>(SearchSpace.ToString(), "searchSpace"));
        }

        ConfigCheck.Present("strategy", Strategy).Validate();
        ConfigCheck.Present("child", Child).Validate("child");
        ConfigCheck.Present("trainer", Trainer).Validate();
        ConfigCheck.Present("budget", Budget).Validate();
        ConfigCheck.Present("schedule", Schedule).Validate();
        ConfigCheck.Present("cost", Cost).Validate();
        ConfigCheck.Present("lease", Lease).Validate();
        Final?.Validate();

        var space = WireEnum.Name(SearchSpace);
        if (Trainer.Kind == TrainerKind.Tabular && SearchSpace != SearchSpaceKind.NasBench201)
        {
            throw new UserErrorException($"trainer.kind: tabular looks rewards up in NAS-Bench-201's table, but searchSpace is {space}: set \"searchSpace\": \"nas-bench-201\"");
        }

        if (Trainer.Kind == TrainerKind.Torch && SearchSpace != SearchSpaceKind.NasNet)
        {
            throw new UserErrorException($"trainer.kind: torch trains NASNet cells, but searchSpace is {space}: use trainer.kind tabular or simulated, or searchSpace nasnet");
        }

        if (SearchSpace != SearchSpaceKind.NasNet && Cost.Rules().NeedsEstimate)
        {
            throw new UserErrorException($"cost: maxParams and maxMultAdds are computed from NASNet genotypes, not {space} cells: remove them (cost.target shapes by the table's mult-adds)");
        }

        if (Schedule.Kind == ScheduleKind.Asha && Trainer.Kind == TrainerKind.Tabular)
        {
            throw new UserErrorException("schedule.kind: asha needs a trainer that continues from checkpoints, and the tabular trainer reads one budget from its table: use \"schedule\": {\"kind\": \"none\"}");
        }

        if (Cost.NeedsLatency && Trainer.Kind == TrainerKind.Tabular)
        {
            throw new UserErrorException("cost: the tabular trainer measures no latency: remove cost.maxLatencyMs and use cost.metric multadds");
        }

        if (Cost.NeedsLatency && !Child.MeasureInference)
        {
            throw new UserErrorException("cost: latency limits and latency shaping need the trainer's measurement: set child.measureInference true");
        }

        return this;
    }

    /// <summary>The full effective config (every default filled in) in the shape <see cref="Parse"/> reads; round-trips.</summary>
    public string ToJson(bool indented = false)
    {
        var effective = this with { Child = Child with { Augment = Child.EffectiveAugmentation } };
        var node = JsonSerializer.SerializeToNode(effective, Options)!.AsObject();
        var fields = node.ToList();
        node.Clear();
        var ordered = new JsonObject();
        foreach (var (name, value) in fields)
        {
            if (name == "child")
            {
                ordered["dataset"] = JsonSerializer.SerializeToNode(new DatasetSection { Kind = Child.Dataset, Dir = Child.DataDir }, Options);
            }

            ordered[name] = value;
        }

        return ordered.ToJsonString(indented ? IndentedOptions : Options);
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    private static JsonSerializerOptions CreateOptions(bool indented) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowDuplicateProperties = false,
        RespectNullableAnnotations = true,
        WriteIndented = indented,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { ConfigBinder.OnlySettableProperties, HideSpecDataset } },
    };

    /// <summary>The spec's dataset fields live in the <c>dataset</c> section of the JSON, not in <c>child</c>.</summary>
    private static void HideSpecDataset(JsonTypeInfo info)
    {
        if (info.Type == typeof(ChildTrainingSpec))
        {
            foreach (var p in info.Properties.Where(p => p.Name is "dataset" or "dataDir").ToList())
            {
                info.Properties.Remove(p);
            }
        }
    }
}

/// <summary>The <c>dataset</c> section of a campaign config: which dataset, and the folder of its files.</summary>
public sealed record DatasetSection
{
    /// <summary>fashion-mnist | cifar10 | synthetic | folder:PATH; null = the child spec's default.</summary>
    public DatasetRef? Kind { get; init; }

    /// <summary>Folder of the dataset's files (IDX files, CIFAR-10 cache); null = the dataset's usual place.</summary>
    public string? Dir { get; init; }
}
