using NasNet.Client.Commands;

namespace NasNet.Cluster.Tests.InProcess;

/// <summary>Campaigns run the way `demo` and `campaign start --local` run them: an embedded silo in this process.</summary>
public sealed class LocalCampaignTests
{
    [Fact]
    public async Task Demo_WithoutFashionMnist_TrainsRealCandidatesOnTheSyntheticSetWithNoneFailed()
    {
        var said = new StringWriter();
        var config = DemoCommand.DemoConfig(2, "random", simulated: false, said, fashionMnistDir: "/nonexistent/fashion-mnist");

        var progress = new StringWriter();
        var id = CampaignCommands.NewId("demo-test");
        var status = await CampaignCommands.RunLocalAsync(config, id, slots: 1, json: false, exportDir: null, CancellationToken.None, progress);

        Assert.Contains("apt-get install dataset-fashion-mnist", said.ToString());
        Assert.Matches($@"(?m)^page http://127\.0\.0\.1:\d+/campaigns/{id} \(served while this runs\)", progress.ToString()); // the embedded silo's page
        Assert.Equal("synthetic", config.Child.Dataset);
        Assert.Equal((CampaignState.Completed, 2, 0), (status.State, status.Completed, status.Failed));
        Assert.NotNull(status.BestAccuracy);
        Assert.InRange(status.BestAccuracy!.Value, 0.0, 1.0);
        Assert.Equal([1, 3], status.Rungs); // the demo searches with ASHA
        Assert.Equal((4, 4, 0), (status.FinalTotal, status.FinalDone, status.FinalFailed)); // found, random, NASNet-A, ResNet-8
    }
    /// <summary>A campaign whose every training fails (a real cause: CUDA asked for on a CPU build) ends failed, fast, and exits 1.</summary>
    [Fact]
    public async Task StartLocal_EveryTrainingFails_CampaignFailsWithTheCauseAndExitsOne()
    {
        var dir = Directory.CreateTempSubdirectory("nasnet-fail-");
        try
        {
            var config = Path.Combine(dir.FullName, "fail.json");
            await File.WriteAllTextAsync(config, """
                { "name": "fail", "dataset": { "kind": "synthetic" }, "child": { "device": "cuda", "cells": 1, "filters": 24 }, "budget": { "candidates": 6 } }
                """);
            var error = new StringWriter();
            var rc = await Cli.RunAsync(["campaign", "start", "--local", "--config", config, "--slots", "1", "--json", "--out", Path.Combine(dir.FullName, "out")], error);

            Assert.Equal(1, rc);
            var status = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir.FullName, "out", "status.json")))!;
            Assert.Equal("failed", status["state"]!.GetValue<string>());
            Assert.Contains("CUDA is not available", status["error"]!.GetValue<string>());
            Assert.Equal(0, status["completed"]!.GetValue<int>());
            Assert.True(status["failed"]!.GetValue<int>() is >= 1 and < 6, "fails fast: not every candidate is tried");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
