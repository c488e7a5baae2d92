using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NasNet.Core;
using NasNet.Core.Campaigns;
using NasNet.Core.Controller;
using NasNet.Core.Datasets;
using NasNet.Core.Training;

namespace NasNet.Cluster.Tests.Domain;

public sealed partial class CampaignConfigTests
{
    private const string IssueExample = """
        { "name": "fmnist-small", "seed": 1,
          "strategy": { "kind": "ppo" },
          "dataset": { "kind": "fashion-mnist" },
          "child": { "cells": 2, "filters": 48, "epochs": 1, "batchSize": 64, "trainSubset": 5000 },
          "trainer": { "kind": "torch" },
          "budget": { "candidates": 200 } }
        """;

    [Fact]
    public void Parse_IssueExample_ReadsEveryField()
    {
        var c = CampaignConfig.Parse(IssueExample);
        Assert.Equal("fmnist-small", c.Name);
        Assert.Equal(StrategyKind.Ppo, c.Strategy.Kind);
        Assert.Equal(DatasetRef.FashionMnist, c.Child.Dataset);
        Assert.Equal((2, 48, 1, 64, 5000), (c.Child.Cells, c.Child.Filters, c.Child.Epochs, c.Child.BatchSize, c.Child.TrainSubset!.Value));
        Assert.Equal(TrainerKind.Torch, c.Trainer.Kind);
        Assert.Equal(200, c.Budget.Candidates);
    }

    [Fact]
    public void Parse_EmptyObject_UsesTheRecordsDefaults()
    {
        var c = CampaignConfig.Parse("{}");
        Assert.Equal(new CampaignConfig().ToJson(), c.ToJson());
        Assert.Equal(StrategyKind.Ppo, c.Strategy.Kind);
        Assert.Equal(SearchSpaceKind.NasNet, c.SearchSpace);
        Assert.Equal(DatasetRef.FashionMnist, c.Child.Dataset);
        Assert.Equal(200, c.Budget.Candidates);
        Assert.Equal(30, c.Lease.Seconds);
        Assert.Equal(TrainerSettings.DefaultRewardColumn, c.Trainer.RewardColumn);
        Assert.Equal(-0.07, c.Cost.ExponentAbove);
    }

    [Fact]
    public void Parse_PresentButEmptySection_SameDefaultsAsAbsentSection()
    {
        Assert.Equal(CampaignConfig.Parse("{}").ToJson(), CampaignConfig.Parse("""{ "child": {}, "strategy": {}, "dataset": {}, "cost": {} }""").ToJson());
    }

    [Fact]
    public void Parse_CommentsAndTrailingCommas_Allowed()
    {
        var c = CampaignConfig.Parse("""
            // a small campaign
            { "budget": { "candidates": 7, /* seven */ },
              "child": { "epochs": 2, }, }
            """);
        Assert.Equal(7, c.Budget.Candidates);
        Assert.Equal(2, c.Child.Epochs);
    }

    [Fact]
    public void ToJson_RoundTripsEveryField()
    {
        var c = CampaignConfig.Parse("""
            { "searchSpace": "nas-bench-201", "trainer": { "kind": "tabular", "table": "/t/nb201.csv", "rewardColumn": "cifar100_valid_12" },
              "strategy": { "kind": "evolution", "population": 20, "tournament": 5 }, "dataset": { "kind": "folder:/data/x", "dir": "/d" },
              "child": { "augment": { "crop": 2, "cutout": 8 }, "trainSubset": null, "imageSize": 16 },
              "budget": { "candidates": 7, "maxConcurrent": 2 }, "lease": { "seconds": 3 },
              "cost": { "metric": "multadds", "target": 5e6, "exponentBelow": 0, "exponentAbove": -1 },
              "final": { "top": 3, "reference": null, "epochs": 5 } }
            """);
        var json = c.ToJson();
        var again = CampaignConfig.Parse(json);
        Assert.Equal(json, again.ToJson());
        Assert.Equal(c, again);
        Assert.Equal(DatasetRef.Folder("/data/x"), again.Child.Dataset);
        Assert.Equal("/d", again.Child.DataDir);
        Assert.Equal(new Augmentation(2, false, 8), again.Child.Augment);
        Assert.Equal("cifar100_valid_12", again.Trainer.RewardColumn);
        Assert.Equal(SearchSpaceKind.NasBench201, again.SearchSpace);
        Assert.Equal(new FinalSettings { Top = 3, Reference = null, Epochs = 5 }, again.Final);
        Assert.Contains("\"searchSpace\":\"nas-bench-201\"", json);
        Assert.Contains("\"kind\":\"tabular\"", json);
        Assert.Contains("\"dataset\":{\"kind\":\"folder:/data/x\",\"dir\":\"/d\"}", json);
    }

    [Fact]
    public void ToJson_WritesTheEffectiveAugmentationOfTheDataset()
    {
        Assert.Equal(Augmentation.CifarStandard, CampaignConfig.Parse("""{ "dataset": { "kind": "cifar10" } }""").Child.Augment);
        Assert.Equal(Augmentation.None, CampaignConfig.Parse("""{ "dataset": { "kind": "folder:/x" } }""").Child.Augment);
        Assert.Equal(Augmentation.None, CampaignConfig.Parse("{}").Child.Augment);
        Assert.Equal(new Augmentation(0, true, 0), CampaignConfig.Parse("""{ "dataset": { "kind": "cifar10" }, "child": { "augment": { "flip": true } } }""").Child.Augment);
        var json = JsonNode.Parse(new CampaignConfig { Child = new() { Dataset = DatasetRef.Cifar10 } }.ToJson())!;
        Assert.Equal(4, (int)json["child"]!["augment"]!["crop"]!);
        Assert.True((bool)json["child"]!["augment"]!["flip"]!);
    }

    [Theory]
    // unknown and misspelt fields: the path and the nearest valid name
    [InlineData("""{ "child": { "epoch": 5 } }""", "unknown field child.epoch: did you mean child.epochs?")]
    [InlineData("""{ "budget": { "candiates": 5 } }""", "unknown field budget.candiates: did you mean budget.candidates?")]
    [InlineData("""{ "strategy": { "learning_rate": 0.1 } }""", "unknown field strategy.learning_rate: did you mean strategy.learningRate?")]
    [InlineData("""{ "datset": { "kind": "cifar10" } }""", "unknown field datset: did you mean dataset?")]
    [InlineData("""{ "dataset": { "dri": "/x" } }""", "unknown field dataset.dri: did you mean dataset.dir?")]
    [InlineData("""{ "child": { "augment": { "flips": true } } }""", "unknown field child.augment.flips: did you mean child.augment.flip?")]
    [InlineData("""{ "trainer": { "Kind": "torch" } }""", "unknown field trainer.Kind: did you mean trainer.kind?")]
    [InlineData("""{ "cost": { "maxparams": 1 } }""", "unknown field cost.maxparams: did you mean cost.maxParams?")]
    [InlineData("""{ "lease": { "second": 3 } }""", "unknown field lease.second: did you mean lease.seconds?")]
    [InlineData("""{ "searchspace": "nasnet" }""", "unknown field searchspace: did you mean searchSpace?")]
    [InlineData("""{ "final": { "tpo": 3 } }""", "unknown field final.tpo: did you mean final.top?")]
    [InlineData("""{ "final": { "top": 0 } }""", "final.top 0 is out of range")]
    [InlineData("""{ "child": { "dataset": "cifar10" } }""", "unknown field child.dataset: the dataset is its own section")]
    [InlineData("""{ "child": { "effectiveAugmentation": {} } }""", "unknown field child.effectiveAugmentation")]
    // out of range: the path and the allowed range
    [InlineData("""{ "budget": { "candidates": 0 } }""", "budget.candidates: 0 is out of range; allowed 1 to 10000000")]
    [InlineData("""{ "child": { "epochs": 0 } }""", "child.epochs: 0 is out of range; allowed 1 to 10000")]
    [InlineData("""{ "strategy": { "clip": 1.5 } }""", "strategy.clip: 1.5 is out of range; allowed (0, 1)")]
    [InlineData("""{ "strategy": { "clip": 0 } }""", "strategy.clip: 0 is out of range; allowed (0, 1)")]
    [InlineData("""{ "strategy": { "population": 10, "tournament": 11 } }""", "strategy.tournament: 11 is out of range; allowed 1 to 10")]
    [InlineData("""{ "child": { "momentum": -0.1 } }""", "child.momentum: -0.1 is out of range; allowed 0 to 1")]
    [InlineData("""{ "child": { "warmupSteps": -1 } }""", "child.warmupSteps: -1 is out of range; allowed >= 0")]
    [InlineData("""{ "child": { "optimizer": "adam" } }""", "child.optimizer: 'adam' is not one of sgd, adamw")]
    [InlineData("""{ "child": { "imageSize": 2 } }""", "child.imageSize: 2 is out of range; allowed 4 to 1024")]
    [InlineData("""{ "child": { "augment": { "crop": -1 } } }""", "child.augment.crop: -1 is out of range; allowed 0 to 512")]
    [InlineData("""{ "lease": { "seconds": 0.1 } }""", "lease.seconds: 0.1 is out of range; allowed 0.5 to 86400")]
    [InlineData("""{ "cost": { "maxParams": -1 } }""", "cost.maxParams: -1 is out of range; allowed >= 0")]
    [InlineData("""{ "cost": { "exponentAbove": 0.5 } }""", "cost.exponentAbove: 0.5 is out of range; allowed -10 to 0")]
    [InlineData("""{ "seed": -3 }""", "seed: -3 is out of range; allowed >= 0")]
    [InlineData("""{ "schedule": { "eta": 1 } }""", "schedule.eta: 1 is out of range; allowed 2 to 100")]
    [InlineData("""{ "schedule": { "kind": "asha", "minEpochs": 4, "maxEpochs": 2 } }""", "schedule.maxEpochs: 2 is below schedule.minEpochs 4")]
    [InlineData("""{ "schedule": { "kind": "hyperband" } }""", "schedule.kind: 'hyperband' is not one of none, asha")]
    [InlineData("""{ "schedule": { "minEpoch": 1 } }""", "schedule.minEpoch")]
    [InlineData("""{ "budget": { "maxEpochs": -1 } }""", "budget.maxEpochs: -1 is out of range; allowed >= 0")]
    // names that are not one of the allowed ones
    [InlineData("""{ "strategy": { "kind": "foo" } }""", "strategy.kind: 'foo' is not one of ppo, random, evolution")]
    [InlineData("""{ "trainer": { "kind": "gpu" } }""", "trainer.kind: 'gpu' is not one of torch, simulated, tabular")]
    [InlineData("""{ "searchSpace": "darts" }""", "searchSpace: 'darts' is not one of nasnet, nas-bench-201")]
    [InlineData("""{ "cost": { "metric": "flops" } }""", "cost.metric: 'flops' is not one of multadds, latency")]
    [InlineData("""{ "dataset": { "kind": "imagenet" } }""", "dataset.kind: 'imagenet' is not one of fashion-mnist, cifar10, synthetic or folder:PATH")]
    [InlineData("""{ "dataset": { "kind": "folder:" } }""", "dataset.kind: 'folder:' has no path")]
    [InlineData("""{ "child": { "device": "tpu" } }""", "child.device: 'tpu' is not one of auto, cpu, cuda")]
    [InlineData("""{ "child": { "network": "huge" } }""", "child.network: 'huge' is not one of cifar, mobile, large")]
    // wrong types: the path and what the field takes
    [InlineData("""{ "child": { "epochs": "two" } }""", "child.epochs: must be a whole number (got \"two\")")]
    [InlineData("""{ "child": { "epochs": 1.5 } }""", "child.epochs: must be a whole number (got 1.5)")]
    [InlineData("""{ "child": { "epochs": null } }""", "child.epochs: must be a whole number (got null)")]
    [InlineData("""{ "child": { "trainSubset": "all" } }""", "child.trainSubset: must be a whole number or null (got \"all\")")]
    [InlineData("""{ "child": { "auxHead": "yes" } }""", "child.auxHead: must be true or false (got \"yes\")")]
    [InlineData("""{ "strategy": { "learningRate": "fast" } }""", "strategy.learningRate: must be a number (got \"fast\")")]
    [InlineData("""{ "strategy": { "kind": 1 } }""", "strategy.kind: must be one of ppo, random, evolution")]
    [InlineData("""{ "dataset": { "kind": 3 } }""", "dataset.kind: must be a string: fashion-mnist, cifar10, synthetic or folder:PATH")]
    [InlineData("""{ "child": 3 }""", "child: must be a JSON object (got 3)")]
    [InlineData("""{ "child": null }""", "child: must be a JSON object (got null)")]
    [InlineData("""{ "child": { "augment": true } }""", "child.augment: must be a JSON object (got true)")]
    [InlineData("""{ "dataset": "cifar10" }""", "dataset: must be a JSON object")]
    [InlineData("""{ "name": 1 }""", "name: must be a string (got 1)")]
    [InlineData("""{ "name": null }""", "name: must be a string (got null)")]
    [InlineData("""{ "name": "" }""", "name: must be a non-empty string")]
    // rules across sections
    [InlineData("""{ "trainer": { "kind": "tabular", "table": "/t.csv" } }""", "trainer.kind: tabular looks rewards up in NAS-Bench-201's table, but searchSpace is nasnet")]
    [InlineData("""{ "searchSpace": "nas-bench-201", "trainer": { "kind": "tabular" } }""", "trainer.table: the tabular trainer needs a table")]
    [InlineData("""{ "trainer": { "kind": "simulated", "table": "/t.csv" } }""", "trainer.table: only the tabular trainer reads a table")]
    [InlineData("""{ "searchSpace": "nas-bench-201" }""", "trainer.kind: torch trains NASNet cells, but searchSpace is nas-bench-201")]
    [InlineData("""{ "searchSpace": "nas-bench-201", "trainer": { "kind": "tabular", "table": "/t.csv" }, "schedule": { "kind": "asha" } }""", "schedule.kind: asha needs a trainer that continues from checkpoints")]
    [InlineData("""{ "cost": { "maxLatencyMs": 5 }, "child": { "measureInference": false } }""", "cost: latency limits and latency shaping need the trainer's measurement")]
    // malformed JSON and the wrong top level
    [InlineData("""{ "budget": { "candidates": 10, } """, "not valid JSON")]
    [InlineData("""{ "seed": 1, "seed": 2 }""", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object")]
    public void Parse_BadInput_OneLineErrorNamingTheField(string json, string expected)
    {
        var e = Assert.Throws<UserErrorException>(() => CampaignConfig.Parse(json));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Load_MissingFile_SaysWhichFile()
    {
        var e = Assert.Throws<UserErrorException>(() => CampaignConfig.Load("/nonexistent/campaign.json"));
        Assert.Contains("/nonexistent/campaign.json", e.Message);
    }

    [Fact]
    public void Cost_BuildsTheLedgersRulesWithTheMnasNetObjective()
    {
        var none = CampaignConfig.Parse("{}").Cost;
        Assert.Null(none.Objective());
        Assert.Equal(CostRules.None, none.Rules());

        var cost = CampaignConfig.Parse("""{ "cost": { "maxParams": 1000, "maxMultAdds": 5000, "maxLatencyMs": 2, "target": 2000, "exponentAbove": -1 } }""").Cost;
        var objective = cost.Objective()!;
        Assert.Equal((CostMetric.MultAdds, 2000.0, -0.07, -1.0, 5000.0), (objective.Metric, objective.Target, objective.ExponentBelow, objective.ExponentAbove, objective.HardLimit!.Value));
        var rules = cost.Rules();
        Assert.Equal((1000L, 5000L, 2.0, objective), (rules.MaxParams, rules.MaxMultAdds, rules.MaxLatencyMs, rules.Objective));
        Assert.Contains("cost.maxParams", rules.RejectBeforeTraining(1001, 10));
        Assert.Contains("cost.maxMultAdds", rules.RejectBeforeTraining(10, 5001));
        Assert.Null(rules.RejectBeforeTraining(1000, 5000));

        var latency = CampaignConfig.Parse("""{ "cost": { "metric": "latency", "target": 4, "maxLatencyMs": 10 } }""").Cost.Objective()!;
        Assert.Equal((CostMetric.Latency, 10.0), (latency.Metric, latency.HardLimit!.Value));
    }

    [Fact]
    public void Schedule_AshaGivesTheLedgerItsRungsAndTheEpochBudget()
    {
        var none = CampaignRules.Settings(CampaignConfig.Parse("""{ "child": { "epochs": 2 } }"""));
        Assert.Equal([2], none.Schedule.Rungs);
        Assert.False(none.Schedule.Promotes);
        Assert.Equal(0, none.MaxEpochs);

        var asha = CampaignRules.Settings(CampaignConfig.Parse("""{ "schedule": { "kind": "asha", "minEpochs": 1, "maxEpochs": 9, "eta": 3 }, "budget": { "candidates": 30, "maxEpochs": 60 } }"""));
        Assert.Equal([1, 3, 9], asha.Schedule.Rungs);
        Assert.Equal(3, asha.Schedule.Eta);
        Assert.Equal(60, asha.MaxEpochs);
        Assert.Equal([2, 4, 5], CampaignRules.Settings(CampaignConfig.Parse("""{ "schedule": { "kind": "asha", "minEpochs": 2, "maxEpochs": 5, "eta": 2 } }""")).Schedule.Rungs);
    }

    [Fact]
    public void ChildSpec_InALeaseAsWorkJson_RoundTripsTheTypedFields()
    {
        var spec = CampaignConfig.Parse("""{ "dataset": { "kind": "folder:/data/x" }, "child": { "augment": { "crop": 2, "flip": true }, "epochs": 4 } }""").Child;
        Assert.Equal(spec, WorkJson.Read<ChildTrainingSpec>(WorkJson.Write(spec), "lease spec"));
        Assert.DoesNotContain("effectiveAugmentation", WorkJson.Write(spec), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The README's config block shows every field with its default: it parses, and it is the default config.</summary>
    [Fact]
    public void Readme_ConfigBlock_ParsesAndListsEveryFieldWithItsDefault()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        var match = ReadmeBlock().Match(readme);
        Assert.True(match.Success, "README.md has no ```json block after 'Campaign config:'");
        var block = match.Groups[1].Value;
        var parsed = CampaignConfig.Parse(block);

        var defaults = JsonNode.Parse(new CampaignConfig().ToJson())!.AsObject();
        var shown = JsonNode.Parse(block, documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();
        Assert.Equal(Paths(defaults).Order(), Paths(shown).Order());
        Assert.Equal(new CampaignConfig().ToJson(), parsed.ToJson());
    }

    private static IEnumerable<string> Paths(JsonObject o, string prefix = "") => o.SelectMany(kv =>
        kv.Value is JsonObject inner ? Paths(inner, prefix + kv.Key + ".") : [prefix + kv.Key]);

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NasNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("NasNet.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\nCampaign config:.*?\n```json\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex ReadmeBlock();
}
