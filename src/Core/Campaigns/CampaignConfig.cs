using System.Text.Json;
using System.Text.Json.Nodes;
using NasNet.Core.Controller;
using NasNet.Core.Training;

namespace NasNet.Core.Campaigns;

/// <summary>The trainer a campaign uses: torch (real child training) or simulated (a dry run with a pseudo-reward).</summary>
public sealed record TrainerSettings
{
    /// <summary>torch | simulated.</summary>
    public string Kind { get; init; } = "torch";

    /// <summary>Simulated trainer only: wall-clock seconds per epoch (0 allowed).</summary>
    public double SecondsPerEpoch { get; init; }

    /// <summary>Simulated trainer only: standard deviation of the seeded reward noise.</summary>
    public double Noise { get; init; } = 0.01;
}

/// <summary>How much a campaign trains.</summary>
public sealed record BudgetSettings
{
    /// <summary>Candidates to evaluate (cache hits count: each is a sampled architecture with a reward).</summary>
    public int Candidates { get; init; } = 200;

    /// <summary>Most candidates training at once for this campaign (0 = as many as there are free slots).</summary>
    public int MaxConcurrent { get; init; }
}

/// <summary>Optional cost constraint: candidates above it get reward 0 (recorded, not trained).</summary>
public sealed record CostSettings
{
    /// <summary>Largest parameter count allowed (0 = none).</summary>
    public long MaxParams { get; init; }
}

/// <summary>Lease timing: how long a trainer holds a candidate without renewing, and how often it may fail.</summary>
public sealed record LeaseSettings
{
    /// <summary>A lease not renewed within this many seconds is re-queued (attempt + 1).</summary>
    public double Seconds { get; init; } = 30;

    /// <summary>Attempts per candidate before it is failed with the last reason.</summary>
    public int MaxAttempts { get; init; } = 3;
}

/// <summary>
/// A campaign: strategy, dataset, child training, trainer, budget, cost constraint and seed. Parsed from JSON with
/// defaults for every field but none required; every error names the field and what is allowed, on one line.
/// </summary>
public sealed record CampaignConfig
{
    /// <summary>Trainer kinds a config may name.</summary>
    public static readonly IReadOnlyList<string> TrainerKinds = ["torch", "simulated"];

    /// <summary>Dataset kinds a config may name (folder:PATH is also accepted).</summary>
    public static readonly IReadOnlyList<string> DatasetKinds = ["fashion-mnist", "cifar10", "synthetic"];

    public string Name { get; init; } = "campaign";

    public long Seed { get; init; } = 1;

    public StrategyOptions Strategy { get; init; } = new();

    /// <summary>Child training settings, including the dataset (kind and directory).</summary>
    public ChildTrainingSpec Child { get; init; } = new() { Dataset = "fashion-mnist", TrainSubset = 5000 };

    public TrainerSettings Trainer { get; init; } = new();

    public BudgetSettings Budget { get; init; } = new();

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

    /// <summary>Parses and validates a config JSON text.</summary>
    public static CampaignConfig Parse(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new UserErrorException($"campaign config is not valid JSON (line {e.LineNumber + 1}): {FirstLine(e.Message)}");
        }

        if (node is not JsonObject root)
        {
            throw new UserErrorException("campaign config must be a JSON object like {\"name\": ..., \"budget\": {\"candidates\": 20}}");
        }

        var r = new Reader(root, "");
        var strategy = r.Object("strategy");
        var dataset = r.Object("dataset");
        var child = r.Object("child");
        var trainer = r.Object("trainer");
        var budget = r.Object("budget");
        var cost = r.Object("cost");
        var lease = r.Object("lease");
        var defaults = new StrategyOptions();
        var childDefaults = new ChildTrainingSpec();

        var datasetKind = dataset.String("kind", "fashion-mnist")!;
        if (!DatasetKinds.Contains(datasetKind) && !datasetKind.StartsWith("folder:", StringComparison.Ordinal))
        {
            throw new UserErrorException($"dataset.kind: '{datasetKind}' is not one of {string.Join(", ", DatasetKinds)}, folder:PATH");
        }

        var config = new CampaignConfig
        {
            Name = r.String("name", "campaign")!,
            Seed = r.Long("seed", 1, 0, long.MaxValue),
            Strategy = new StrategyOptions
            {
                Kind = strategy.OneOf("kind", "ppo", SearchStrategies.Kinds),
                Hidden = strategy.Int("hidden", defaults.Hidden, 1, 4096),
                LearningRate = strategy.Double("learningRate", defaults.LearningRate, 0, 10),
                EntropyWeight = strategy.Double("entropyWeight", defaults.EntropyWeight, 0, 10),
                BaselineDecay = strategy.Double("baselineDecay", defaults.BaselineDecay, 0, 1),
                Clip = strategy.Double("clip", defaults.Clip, 0, 10),
                PpoEpochs = strategy.Int("ppoEpochs", defaults.PpoEpochs, 1, 1000),
                BatchSize = strategy.Int("batchSize", defaults.BatchSize, 1, 100_000),
                MaxStaleness = strategy.Int("maxStaleness", defaults.MaxStaleness, 0, 1_000_000),
                StalenessDecay = strategy.Double("stalenessDecay", defaults.StalenessDecay, 0, 1),
                ProposeAhead = strategy.Int("proposeAhead", defaults.ProposeAhead, 1, 100_000),
                NormalizeAdvantages = strategy.Bool("normalizeAdvantages", defaults.NormalizeAdvantages),
                InitRange = strategy.Double("initRange", defaults.InitRange, 0, 10),
                Population = strategy.Int("population", defaults.Population, 2, 1_000_000),
                Tournament = strategy.Int("tournament", defaults.Tournament, 1, 1_000_000),
            },
            Child = new ChildTrainingSpec
            {
                Dataset = datasetKind,
                DataDir = dataset.String("dir", null),
                Network = child.OneOf("network", childDefaults.Network, ["cifar", "mobile", "large"]),
                Cells = child.Int("cells", 2, 1, 64),
                Filters = child.Int("filters", 48, 1, 4096),
                Epochs = child.Int("epochs", 1, 1, 10_000),
                BatchSize = child.Int("batchSize", 64, 1, 65_536),
                TrainSubset = child.NullableInt("trainSubset", 5000, 1, int.MaxValue),
                ValidationSize = child.NullableInt("validationSize", null, 1, int.MaxValue),
                ImageSize = child.NullableInt("imageSize", null, 4, 4096),
                LearningRate = child.Double("learningRate", childDefaults.LearningRate, 0, 100),
                Momentum = child.Double("momentum", childDefaults.Momentum, 0, 1),
                WeightDecay = child.Double("weightDecay", childDefaults.WeightDecay, 0, 1),
                DropPathKeepProb = child.Double("dropPathKeepProb", 1.0, 0, 1),
                EvaluateTest = child.Bool("evaluateTest", false),
                AuxHead = child.Bool("auxHead", childDefaults.AuxHead),
                Augment = child.Bool("augment", childDefaults.Augment),
                Cutout = child.Int("cutout", childDefaults.Cutout, 0, 1024),
                LabelSmoothing = child.Double("labelSmoothing", childDefaults.LabelSmoothing, 0, 1),
                MeasureInference = child.Bool("measureInference", childDefaults.MeasureInference),
                KeepWeights = child.Bool("keepWeights", childDefaults.KeepWeights),
                Threads = child.Int("threads", 1, 1, 1024),
                Device = child.OneOf("device", "auto", ["auto", "cpu", "cuda"]),
            },
            Trainer = new TrainerSettings
            {
                Kind = trainer.OneOf("kind", "torch", TrainerKinds),
                SecondsPerEpoch = trainer.Double("secondsPerEpoch", 0, 0, 86_400),
                Noise = trainer.Double("noise", 0.01, 0, 1),
            },
            Budget = new BudgetSettings
            {
                Candidates = budget.Int("candidates", 200, 1, 10_000_000),
                MaxConcurrent = budget.Int("maxConcurrent", 0, 0, 1_000_000),
            },
            Cost = new CostSettings { MaxParams = cost.Long("maxParams", 0, 0, long.MaxValue) },
            Lease = new LeaseSettings
            {
                Seconds = lease.Double("seconds", 30, 0.5, 86_400),
                MaxAttempts = lease.Int("maxAttempts", 3, 1, 1000),
            },
        };
        config.Strategy.Validate();
        return config;
    }

    /// <summary>The config as JSON in the same shape <see cref="Parse"/> reads (round-trips).</summary>
    public string ToJson()
    {
        var s = Strategy;
        var c = Child;
        var o = new JsonObject
        {
            ["name"] = Name,
            ["seed"] = Seed,
            ["strategy"] = new JsonObject
            {
                ["kind"] = s.Kind, ["hidden"] = s.Hidden, ["learningRate"] = s.LearningRate, ["entropyWeight"] = s.EntropyWeight,
                ["baselineDecay"] = s.BaselineDecay, ["clip"] = s.Clip, ["ppoEpochs"] = s.PpoEpochs, ["batchSize"] = s.BatchSize,
                ["maxStaleness"] = s.MaxStaleness, ["population"] = s.Population, ["tournament"] = s.Tournament,
                ["stalenessDecay"] = s.StalenessDecay, ["proposeAhead"] = s.ProposeAhead, ["normalizeAdvantages"] = s.NormalizeAdvantages,
                ["initRange"] = s.InitRange,
            },
            ["dataset"] = new JsonObject { ["kind"] = c.Dataset, ["dir"] = c.DataDir },
            ["child"] = new JsonObject
            {
                ["network"] = c.Network, ["auxHead"] = c.AuxHead, ["augment"] = c.Augment, ["cutout"] = c.Cutout,
                ["labelSmoothing"] = c.LabelSmoothing, ["measureInference"] = c.MeasureInference, ["keepWeights"] = c.KeepWeights,
                ["cells"] = c.Cells, ["filters"] = c.Filters, ["epochs"] = c.Epochs, ["batchSize"] = c.BatchSize,
                ["trainSubset"] = c.TrainSubset, ["validationSize"] = c.ValidationSize, ["imageSize"] = c.ImageSize,
                ["learningRate"] = c.LearningRate, ["momentum"] = c.Momentum, ["weightDecay"] = c.WeightDecay,
                ["dropPathKeepProb"] = c.DropPathKeepProb, ["evaluateTest"] = c.EvaluateTest, ["threads"] = c.Threads, ["device"] = c.Device,
            },
            ["trainer"] = new JsonObject { ["kind"] = Trainer.Kind, ["secondsPerEpoch"] = Trainer.SecondsPerEpoch, ["noise"] = Trainer.Noise },
            ["budget"] = new JsonObject { ["candidates"] = Budget.Candidates, ["maxConcurrent"] = Budget.MaxConcurrent },
            ["cost"] = new JsonObject { ["maxParams"] = Cost.MaxParams },
            ["lease"] = new JsonObject { ["seconds"] = Lease.Seconds, ["maxAttempts"] = Lease.MaxAttempts },
        };
        return o.ToJsonString();
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    /// <summary>Typed reads of one JSON object with field paths in the errors.</summary>
    private sealed class Reader(JsonObject? obj, string prefix)
    {
        private string PathOf(string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

        private JsonNode? Get(string name) => obj is not null && obj.TryGetPropertyValue(name, out var v) ? v : null;

        public Reader Object(string name)
        {
            var v = Get(name);
            return v switch
            {
                null => new Reader(null, PathOf(name)),
                JsonObject o => new Reader(o, PathOf(name)),
                _ => throw new UserErrorException($"{PathOf(name)}: must be a JSON object"),
            };
        }

        public string? String(string name, string? fallback)
        {
            var v = Get(name);
            if (v is null)
            {
                return fallback;
            }

            if (v is JsonValue jv && jv.TryGetValue<string>(out var s))
            {
                return s;
            }

            throw new UserErrorException($"{PathOf(name)}: must be a string");
        }

        public string OneOf(string name, string fallback, IReadOnlyList<string> allowed)
        {
            var s = String(name, fallback)!;
            return allowed.Contains(s) ? s : throw new UserErrorException($"{PathOf(name)}: '{s}' is not one of {string.Join(", ", allowed)}");
        }

        public bool Bool(string name, bool fallback)
        {
            var v = Get(name);
            if (v is null)
            {
                return fallback;
            }

            return v is JsonValue jv && jv.TryGetValue<bool>(out var b) ? b : throw new UserErrorException($"{PathOf(name)}: must be true or false");
        }

        public double Double(string name, double fallback, double min, double max)
        {
            var v = Get(name);
            if (v is null)
            {
                return fallback;
            }

            if (v is not JsonValue jv || !jv.TryGetValue<double>(out var d) || double.IsNaN(d))
            {
                throw new UserErrorException($"{PathOf(name)}: must be a number between {min} and {max}");
            }

            return d >= min && d <= max ? d : throw new UserErrorException($"{PathOf(name)}: {d} is out of range; allowed {min} to {max}");
        }

        public long Long(string name, long fallback, long min, long max)
        {
            var v = Get(name);
            if (v is null)
            {
                return fallback;
            }

            if (v is not JsonValue jv || !jv.TryGetValue<long>(out var n))
            {
                throw new UserErrorException($"{PathOf(name)}: must be a whole number between {min} and {max}");
            }

            return n >= min && n <= max ? n : throw new UserErrorException($"{PathOf(name)}: {n} is out of range; allowed {min} to {max}");
        }

        public int Int(string name, int fallback, int min, int max) => (int)Long(name, fallback, min, max);

        public int? NullableInt(string name, int? fallback, int min, int max)
        {
            if (obj is not null && obj.TryGetPropertyValue(name, out var v) && v is null)
            {
                return null;
            }

            return Get(name) is null ? fallback : Int(name, 0, min, max);
        }
    }
}
