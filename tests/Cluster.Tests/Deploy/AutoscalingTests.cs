using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NasNet.Cluster.Tests.Chaos;
using NasNet.Cluster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NasNet.Cluster.Tests.Deploy;

/// <summary>
/// The ScaledObject of k8s/base/autoscaling.yaml driven end to end: silo containers of the image on a real Redis, a
/// real Prometheus scraping every live silo's /metrics, and <see cref="Autoscaler"/> applying the manifest's own rule
/// (query, threshold, min/max replicas, scale-up and scale-down behaviour, every time divided by 60) through
/// Prometheus' HTTP API. A simulated campaign with multi-second epochs grows the cluster and lets it shrink again.
/// </summary>
[Collection(ImagesCollection.Name)]
public sealed partial class AutoscalingTests(ImageFixture images, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Manifest times x 1/60: scale-up period 1 s, scale-down window 10 s and period 2 s, HPA sync 0.25 s.</summary>
    public const double TimeScale = 1.0 / 60;

    private const int Candidates = 16;
    private const int Epochs = 4;
    // A candidate trains 16 s, longer than the shortened scale-down window (10 s): the first scale-ins find silos busy
    // with the last candidates, so they drain real work.
    private const double SecondsPerEpoch = 4;

    private readonly RedisServer _redis = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("nasnet-scaling-").FullName;
    private ContainerSilos _silos = null!;

    public Task InitializeAsync()
    {
        _silos = new ContainerSilos(images.Docker, $"nasnet-scale-{Guid.NewGuid():N}"[..20], ImageFixture.Tag);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _silos.RemoveAllAsync();
        _redis.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task PendingWork_GrowsTheClusterToTheMaximumAndBackToTheMinimum_ByTheManifestsRule()
    {
        var rule = ScalingRule.Load(ScalingRule.BaseManifest, TimeScale);
        var slots = (int)rule.Threshold; // the threshold is one silo's slots (tests/K8s.Tests checks the overlays)
        Assert.True(rule.MaxReplicas > rule.MinReplicas && slots >= 1, rule.ToString());
        await using var fleet = new SiloFleet(_silos, _redis.ConnectionString, new Dictionary<string, string>
        {
            ["Slots"] = slots.ToString(CultureInfo.InvariantCulture),
            ["FastMembership"] = "true",
            ["ResponseTimeoutSeconds"] = "10",
        });
        await using var prometheus = await PrometheusServer.StartAsync();
        for (var i = 0; i < rule.MinReplicas; i++)
        {
            await fleet.StartAsync();
        }

        await fleet.WaitHealthyAsync(TimeSpan.FromMinutes(3));
        var scaler = new Autoscaler(rule, prometheus, fleet);
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(() => scaler.RunAsync(stop.Token));

        var config = Path.Combine(_dir, "campaign.json");
        File.WriteAllText(config, InProcess.TestClusters.Config(Candidates, Epochs, SecondsPerEpoch, leaseSeconds: 5));
        var (code, started) = await NasNetProcess.RunClientAsync(TimeSpan.FromMinutes(2), ["campaign", "start", "--config", config, "--json", .. fleet.ClusterArgs]);
        Assert.True(code == 0, started);
        var id = JsonNode.Parse(started.Trim().Split('\n')[^1])!["id"]!.GetValue<string>();

        // Prometheus scrapes every silo the scaler starts: its targets follow the fleet (file-based discovery), and
        // each silo is seen "up" while it is live.
        var scraped = new HashSet<string>();
        var targeted = new HashSet<string>();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    foreach (var (silo, health) in await prometheus.TargetsAsync())
                    {
                        lock (targeted)
                        {
                            targeted.Add(silo);
                        }

                        if (health == "up")
                        {
                            lock (scraped)
                            {
                                scraped.Add(silo);
                            }
                        }
                    }

                    await Task.Delay(500, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (HttpRequestException)
                {
                }
            }
        });

        await using var connection = await fleet.ConnectAsync();
        var watch = new CampaignWatch(id);
        var views = await WithTableOnFailure(scaler, () => CampaignPoller.WatchToEndAsync(connection.Client, watch, TimeSpan.FromMinutes(6), TimeSpan.FromMilliseconds(500)));
        await WithTableOnFailure(scaler, () => Wait.Until(() => Task.FromResult(fleet.Live.Count), n => n == rule.MinReplicas, TimeSpan.FromMinutes(3), "back to the minimum", TimeSpan.FromSeconds(1)));
        await Task.Delay(rule.Down.StabilizationWindow + rule.SyncPeriod * 4); // and it stays there
        await stop.CancelAsync();
        await loop;
        await sampler;
        var steps = scaler.Steps;
        output.WriteLine(scaler.Table());
        output.WriteLine(string.Join('\n', scaler.ActionErrors));

        // The campaign: completed, each candidate one result, each reward applied once, at every read.
        Assert.True(watch.Violations.Count == 0, string.Join('\n', watch.Violations));
        Assert.Equal(Candidates, views.Length);
        Assert.Equal(rule.MinReplicas, fleet.Live.Count);
        Assert.Empty(scaler.Errors);

        // Every silo became a target (discovery followed the fleet); "up" is asserted for the first MaxReplicas silos
        // (the peak, each live for a minute): a late silo can start and drain before its first successful scrape
        // on a loaded machine (silo8, 14 s of life, in a failed run).
        Assert.All(fleet.All, silo => Assert.Contains(silo.Name, targeted));
        Assert.All(fleet.All.Take(rule.MaxReplicas), silo => Assert.Contains(silo.Name, scraped));
        Assert.Equal(fleet.Live.Select(x => x.Name).Order(), (await prometheus.TargetsAsync()).Keys.Order());

        // The replica counts follow the rule: within [min, max], the peak at max, scale-ups of at most the policy's
        // pods per period, scale-ins one pod per period and only after the window in which no higher
        // recommendation was made.
        Assert.All(steps, s => Assert.InRange(s.Decision.Desired, rule.MinReplicas, rule.MaxReplicas));
        Assert.Contains(steps, s => s.Decision.Desired == rule.MaxReplicas);
        var up = rule.Up.Policies.Single(p => p.Type == "Pods");
        var down = rule.Down.Policies.Single(p => p.Type == "Pods");
        foreach (var s in steps)
        {
            var window = steps.Where(x => x.At > s.At - up.Period && x.At <= s.At).Sum(x => Math.Max(0, x.Decision.Desired - x.Decision.Current));
            Assert.True(window <= up.Value, $"scale-up of {window} within {up.Period.TotalSeconds} s at {s.At.TotalSeconds:F1} s");
            var removed = steps.Where(x => x.At > s.At - down.Period && x.At <= s.At).Sum(x => Math.Max(0, x.Decision.Current - x.Decision.Desired));
            Assert.True(removed <= down.Value, $"scale-in of {removed} within {down.Period.TotalSeconds} s at {s.At.TotalSeconds:F1} s");
            if (s.Decision.Desired < s.Decision.Current)
            {
                Assert.True(steps.Where(x => x.At > s.At - rule.Down.StabilizationWindow && x.At <= s.At).All(x => x.Decision.Raw <= s.Decision.Desired), $"scale-in at {s.At.TotalSeconds:F1} s below a recommendation of the window");
            }
        }

        // Scale-ins drained: every stopped silo left cleanly, and a training it gave back at an epoch checkpoint was
        // resumed from that epoch by the next trainer.
        var stopped = fleet.All.Where(s => s.StoppedBy == "terminated").ToList();
        Assert.True(stopped.Count >= rule.MaxReplicas - rule.MinReplicas, $"{stopped.Count} scale-ins");
        Assert.All(stopped, s => Assert.Contains("drained (all slots)", s.FinalLogs));
        var givenBack = stopped.SelectMany(s => GivenBack().Matches(s.FinalLogs!)).Select(m => (Candidate: m.Groups[1].Value, Epoch: int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();
        output.WriteLine($"given back by draining silos: {string.Join(", ", givenBack.Select(g => $"{g.Candidate}@{g.Epoch}"))}");
        Assert.Contains(givenBack, g => g.Epoch >= 1);
        foreach (var g in givenBack.Where(g => g.Epoch >= 1 && givenBack.Count(x => x.Candidate == g.Candidate) == 1))
        {
            Assert.Equal(g.Epoch, views.Single(v => v.CandidateId == g.Candidate).Result!.ResumedFromEpoch);
        }
    }

    private async Task<T> WithTableOnFailure<T>(Autoscaler scaler, Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch (Exception)
        {
            output.WriteLine(scaler.Table());
            output.WriteLine(string.Join('\n', scaler.Errors.Distinct()));
            output.WriteLine(string.Join('\n', scaler.ActionErrors));
            throw;
        }
    }

    [GeneratedRegex(@"drains: gives back (\S+) at epoch (\d+)")]
    private static partial Regex GivenBack();
}
