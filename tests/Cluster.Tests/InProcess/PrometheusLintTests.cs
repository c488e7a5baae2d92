using System.Diagnostics;
using NasNet.Cluster.Tests.Infrastructure;
using NasNet.Grains.Telemetry;

namespace NasNet.Cluster.Tests.InProcess;

/// <summary>
/// Prometheus' own linter (<c>promtool check metrics</c>, Debian package <c>prometheus</c>) on a real embedded silo's
/// /metrics while a small torch campaign runs (the synthetic set: real epochs, so every family has samples): every
/// family has help text, base units and the right suffixes.
/// </summary>
public sealed class PrometheusLintTests
{
    private const string Install = "apt-get install -y prometheus";

    [Fact]
    public async Task Metrics_DuringACampaign_PromtoolFindsNothingToFix()
    {
        await using var silo = await TestClusters.StartEmbeddedAsync("promtool-test");
        using var http = new HttpClient { BaseAddress = new Uri(silo.HttpAddress!), Timeout = TimeSpan.FromSeconds(30) };
        var campaign = silo.Client.GetGrain<ICampaignGrain>("lint");
        await campaign.Start("""
            { "name": "lint", "strategy": { "kind": "random" }, "dataset": { "kind": "synthetic" }, "budget": { "candidates": 2 },
              "child": { "cells": 1, "filters": 24, "epochs": 2, "batchSize": 32, "trainSubset": 64, "validationSize": 32, "threads": 1, "device": "cpu", "keepWeights": false } }
            """);

        // Every NasNet family is on the page once a candidate has trained an epoch and the campaign has results.
        var families = NasNetMetrics.Families;
        var metrics = await Wait.Until(() => http.GetStringAsync("/metrics"), m => families.All(f => m.Contains($"# TYPE {f} ", StringComparison.Ordinal)), TimeSpan.FromMinutes(3), "every nasnet_* family on /metrics");
        foreach (var family in families)
        {
            Assert.Contains($"# HELP {family} ", metrics);
        }

        var (code, output) = await PromtoolAsync(metrics);
        Assert.True(code == 0 && output.Length == 0, $"promtool check metrics (exit {code}):\n{output}");
        await TestClusters.WaitDoneAsync(silo.Client, "lint", TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task Promtool_FlagsAMetricWithoutHelp()
    {
        // The linter itself: a family without HELP is reported, so a clean result above means something.
        var (code, output) = await PromtoolAsync("# TYPE nasnet_example gauge\nnasnet_example 1\n");
        Assert.NotEqual(0, code);
        Assert.Contains("nasnet_example no help text", output);
    }

    private static async Task<(int Code, string Output)> PromtoolAsync(string metrics)
    {
        var promtool = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"promtool is not installed: run '{Install}'");
        using var process = Process.Start(new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(metrics);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, ((await stdout) + (await stderr)).Trim());
    }
}
