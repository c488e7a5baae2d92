using NasNet.Core;
using NasNet.Core.Campaigns;
using NasNet.Core.Controller;

namespace NasNet.Cluster.Tests.Domain;

public sealed class CampaignConfigTests
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
        Assert.Equal("fashion-mnist", c.Child.Dataset);
        Assert.Equal((2, 48, 1, 64, 5000), (c.Child.Cells, c.Child.Filters, c.Child.Epochs, c.Child.BatchSize, c.Child.TrainSubset!.Value));
        Assert.Equal(TrainerKind.Torch, c.Trainer.Kind);
        Assert.Equal(200, c.Budget.Candidates);
    }

    [Fact]
    public void Parse_EmptyObject_UsesDefaults()
    {
        var c = CampaignConfig.Parse("{}");
        Assert.Equal(StrategyKind.Ppo, c.Strategy.Kind);
        Assert.Equal(200, c.Budget.Candidates);
        Assert.Equal(30, c.Lease.Seconds);
    }

    [Fact]
    public void ToJson_RoundTrips()
    {
        var c = CampaignConfig.Parse("""{ "trainer": { "kind": "simulated", "secondsPerEpoch": 0.25 }, "budget": { "candidates": 7, "maxConcurrent": 2 }, "lease": { "seconds": 3 } }""");
        var again = CampaignConfig.Parse(c.ToJson());
        Assert.Equal(c.ToJson(), again.ToJson());
        Assert.Equal(0.25, again.Trainer.SecondsPerEpoch);
        Assert.Equal(2, again.Budget.MaxConcurrent);
    }

    [Theory]
    [InlineData("""{ "strategy": { "kind": "foo" } }""", "strategy.kind: 'foo' is not one of ppo, random, evolution")]
    [InlineData("""{ "trainer": { "kind": "gpu" } }""", "trainer.kind: 'gpu' is not one of torch, simulated")]
    [InlineData("""{ "budget": { "candidates": 0 } }""", "budget.candidates: 0 is out of range")]
    [InlineData("""{ "child": { "epochs": "two" } }""", "child.epochs: must be a whole number")]
    [InlineData("""{ "dataset": { "kind": "imagenet" } }""", "dataset.kind: 'imagenet' is not one of")]
    [InlineData("""{ "child": 3 }""", "child: must be a JSON object")]
    [InlineData("""{ "name": 1 }""", "name: must be a string")]
    [InlineData("""{ "budget": { "candidates": 10, } """, "not valid JSON")]
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
}
