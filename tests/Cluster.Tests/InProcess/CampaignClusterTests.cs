using Microsoft.Extensions.DependencyInjection;
using NasNet.Cluster.Tests.Infrastructure;
using NasNet.Grains.Campaigns;
using Orleans.Storage;

namespace NasNet.Cluster.Tests.InProcess;

/// <summary>Campaigns on an in-process 3-silo cluster (real grains, leases, checkpoints, Redis storage).</summary>
public sealed class CampaignClusterTests : IDisposable
{
    private readonly RedisServer _redis = new();

    public void Dispose() => _redis.Dispose();

    [Fact]
    public async Task Campaign_ThreeSilos_CompletesWithOneResultPerCandidateAndOneRewardEach()
    {
        await using var cluster = await TestClusters.DeployAsync(_redis);
        var grains = cluster.Client;
        var started = await grains.GetGrain<ICampaignGrain>("basic").Start(TestClusters.Config(36, epochs: 2, secondsPerEpoch: 0));
        Assert.Equal(CampaignState.Running, started.State);

        var s = await TestClusters.WaitDoneAsync(grains, "basic");

        Assert.Equal(CampaignState.Completed, s.State);
        Assert.Equal((36, 0, 0, 0), (s.Completed, s.Failed, s.Pending, s.Running));
        Assert.Equal(36, s.RewardsApplied);
        Assert.Equal(0, s.PolicyUpdates); // random search: no policy; PPO: rewards / batch size (see the PPO test)
        var views = await TestClusters.AssertEveryCandidateOnceAsync(grains, "basic", 36);
        var silosUsed = views.Where(v => v.CacheHitOf is null).Select(v => v.Result!.TrainerId.Split('/')[0]).Distinct().Count();
        Assert.True(silosUsed >= 2, $"trainers of {silosUsed} silo(s) did the work");
        Assert.NotNull(s.BestAccuracy);
        Assert.Equal(views.Max(v => v.Reward), s.BestAccuracy!.Value, 6);
    }

    [Theory]
    [InlineData("ppo")]
    [InlineData("evolution")]
    public async Task Campaign_LearningStrategy_UpdatesMatchRewardsOverBatchSize(string strategy)
    {
        await using var cluster = await TestClusters.DeployAsync(_redis, silos: 2);
        var grains = cluster.Client;
        await grains.GetGrain<ICampaignGrain>(strategy).Start(TestClusters.Config(30, epochs: 1, secondsPerEpoch: 0, strategy: strategy));

        var s = await TestClusters.WaitDoneAsync(grains, strategy);

        Assert.Equal((CampaignState.Completed, 30, 30), (s.State, s.Completed, s.RewardsApplied));
        if (strategy == "ppo")
        {
            Assert.Equal(30 / 5, s.PolicyUpdates); // batch size 5, no reward old enough to be dropped
        }

        await TestClusters.AssertEveryCandidateOnceAsync(grains, strategy, 30);
    }

    [Fact]
    public async Task Campaign_SiloWithBusyTrainersKilled_CompletesWithNothingLostAndResumesFromCheckpoint()
    {
        await using var cluster = await TestClusters.DeployAsync(_redis);
        var grains = cluster.Client;
        var campaign = grains.GetGrain<ICampaignGrain>("kill-trainers");
        await campaign.Start(TestClusters.Config(24, epochs: 4, secondsPerEpoch: 0.4, leaseSeconds: 2));
        var host = (await campaign.GetStatus()).Host;
        var victim = cluster.Silos.First(h => h.SiloAddress.ToString() != host);
        var busy = await Wait.Until(campaign.GetStatus,
            st => st.Trainers.Any(t => t.TrainerId.StartsWith(victim.Name + "/", StringComparison.Ordinal) && t.Epoch >= 1),
            TimeSpan.FromMinutes(1), "a trainer of the victim silo past epoch 1");

        await cluster.KillSiloAsync(victim);
        var s = await TestClusters.WaitDoneAsync(grains, "kill-trainers");

        Assert.Equal(CampaignState.Completed, s.State);
        Assert.Equal((24, 0), (s.Completed, s.Failed));
        Assert.Equal(24, s.RewardsApplied);
        var views = await TestClusters.AssertEveryCandidateOnceAsync(grains, "kill-trainers", 24);
        var interrupted = busy.Trainers.Where(t => t.TrainerId.StartsWith(victim.Name + "/", StringComparison.Ordinal) && t.Epoch >= 1).Select(t => t.CandidateId).ToHashSet();
        var resumed = views.Where(v => interrupted.Contains(v.CandidateId)).ToArray();
        Assert.NotEmpty(resumed);
        Assert.All(resumed, v => Assert.False(v.Result!.TrainerId.StartsWith(victim.Name + "/", StringComparison.Ordinal)));
        Assert.Contains(resumed, v => v.Result!.ResumedFromEpoch >= 1);
        Assert.True(s.Resumes >= 1);
    }

    [Fact]
    public async Task Campaign_ControllerSiloKilled_ReactivatesFromStorageAndCompletes()
    {
        await using var cluster = await TestClusters.DeployAsync(_redis);
        var grains = cluster.Client;
        var campaign = grains.GetGrain<ICampaignGrain>("kill-controller");
        // 160 candidates: the controller's table spans three stored pages (CampaignPages.PageSize = 64).
        await campaign.Start(TestClusters.Config(160, epochs: 2, secondsPerEpoch: 0.05, leaseSeconds: 2));
        var before = await Wait.Until(campaign.GetStatus, st => st.Completed >= 70, TimeSpan.FromMinutes(1), "70 candidates done");
        var host = cluster.Silos.First(h => h.SiloAddress.ToString() == before.Host);

        await cluster.KillSiloAsync(host);
        var s = await TestClusters.WaitDoneAsync(grains, "kill-controller");

        Assert.NotEqual(before.Host, s.Host);
        Assert.Equal(CampaignState.Completed, s.State);
        Assert.Equal((160, 0), (s.Completed, s.Failed));
        Assert.Equal(160, s.RewardsApplied);
        Assert.True(s.Completed >= before.Completed);
        var views = await TestClusters.AssertEveryCandidateOnceAsync(grains, "kill-controller", 160);
        Assert.Equal(views.Max(v => v.Reward), s.BestAccuracy);
    }

    [Fact]
    public async Task TwoCampaigns_AtOnce_ShareTheTrainersAndBothComplete()
    {
        await using var cluster = await TestClusters.DeployAsync(_redis, slots: 1);
        var grains = cluster.Client;
        var a = grains.GetGrain<ICampaignGrain>("share-a");
        var b = grains.GetGrain<ICampaignGrain>("share-b");
        await Task.WhenAll(a.Start(TestClusters.Config(30, 1, 0.05, seed: 1)), b.Start(TestClusters.Config(30, 1, 0.05, seed: 2)));

        var first = await Wait.Until(async () => (await a.GetStatus(), await b.GetStatus()),
            x => x.Item1.State == CampaignState.Completed || x.Item2.State == CampaignState.Completed,
            TimeSpan.FromMinutes(2), "one campaign to complete", TimeSpan.FromMilliseconds(50));
        var other = first.Item1.State == CampaignState.Completed ? first.Item2 : first.Item1;
        Assert.True(other.Completed >= 15, $"the other campaign had only {other.Completed}/30 done when the first completed");

        var sa = await TestClusters.WaitDoneAsync(grains, "share-a");
        var sb = await TestClusters.WaitDoneAsync(grains, "share-b");
        Assert.Equal((CampaignState.Completed, 30), (sa.State, sa.Completed));
        Assert.Equal((CampaignState.Completed, 30), (sb.State, sb.Completed));
        await TestClusters.AssertEveryCandidateOnceAsync(grains, "share-a", 30);
        await TestClusters.AssertEveryCandidateOnceAsync(grains, "share-b", 30);
    }

    [Fact]
    public async Task Campaign_StopThenResume_KeepsResultsAndCompletes()
    {
        await using var cluster = await TestClusters.DeployAsync(_redis, silos: 1);
        var grains = cluster.Client;
        var campaign = grains.GetGrain<ICampaignGrain>("stop-resume");
        await campaign.Start(TestClusters.Config(16, 2, 0.1));
        await Wait.Until(campaign.GetStatus, st => st.Completed >= 3, TimeSpan.FromMinutes(1), "3 done");

        var stopped = await campaign.Stop();
        Assert.Equal(CampaignState.Stopped, stopped.State);
        Assert.Equal(0, stopped.Running);
        var resumed = await campaign.Resume();
        Assert.Equal(CampaignState.Running, resumed.State);
        var s = await TestClusters.WaitDoneAsync(grains, "stop-resume");

        Assert.Equal((CampaignState.Completed, 16, 16), (s.State, s.Completed, s.RewardsApplied));
        await TestClusters.AssertEveryCandidateOnceAsync(grains, "stop-resume", 16);
    }

    [Fact]
    public async Task Campaign_LateCompletionFromExpiredLease_IsIgnored()
    {
        await using var cluster = await TestClusters.DeployAsync(_redis, silos: 1, slots: 1);
        var grains = cluster.Client;
        var campaign = grains.GetGrain<ICampaignGrain>("stale");
        await campaign.Start(TestClusters.Config(3, 1, 0));
        var s = await TestClusters.WaitDoneAsync(grains, "stale");
        var report = new TrainingReport(TrainingOutcome.Completed, 0.99, null, 1, 1, 1, 1, 1, 1, 0, null, "ghost/0", 0, false);

        var ack = await campaign.Complete("not-a-lease", 0, report);
        var ack2 = await campaign.Complete("not-a-lease", 99, report);

        Assert.Equal(LeaseAck.Stale, ack);
        Assert.Equal(LeaseAck.Stale, ack2);
        var after = await campaign.GetStatus();
        Assert.Equal(s.RewardsApplied, after.RewardsApplied);
        Assert.Equal(s.BestAccuracy, after.BestAccuracy);
        Assert.Equal(2, after.StaleReports);
    }

    [Fact]
    public async Task Campaign_UncommittedPageLeftInStorage_IsOverwrittenAndTheCampaignCompletes()
    {
        await using var cluster = await TestClusters.DeployAsync(_redis, silos: 1, slots: 2);
        var grains = cluster.Client;
        var campaign = grains.GetGrain<ICampaignGrain>("leftover");
        // A page record already in storage that the campaign's state does not name (as a controller lost between
        // writing a page and committing it leaves behind): it must not stop the campaign.
        var storage = cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>("nasnet");
        var leftover = new GrainState<CampaignPage>(new CampaignPage { Entries = LedgerJson.Write(new List<NasNet.Core.Campaigns.CandidateEntry> { new() { Hash = "uncommitted" } }) });
        await storage.WriteStateAsync("campaign-page-0-0", campaign.GetGrainId(), leftover);

        await campaign.Start(TestClusters.Config(10, 1, 0));
        var s = await TestClusters.WaitDoneAsync(grains, "leftover", TimeSpan.FromSeconds(60));

        Assert.Equal((CampaignState.Completed, 10, 10), (s.State, s.Completed, s.RewardsApplied));
        await TestClusters.AssertEveryCandidateOnceAsync(grains, "leftover", 10);
    }

    [Fact]
    public async Task FinalEvaluation_ThroughATrainerSiloKill_ReportsEveryRowWithEverySeed()
    {
        await using var cluster = await TestClusters.DeployAsync(_redis);
        var grains = cluster.Client;
        var campaign = grains.GetGrain<ICampaignGrain>("final");
        await campaign.Start(TestClusters.Config(8, epochs: 1, secondsPerEpoch: 0));
        var searched = await TestClusters.WaitDoneAsync(grains, "final");
        Assert.Equal(CampaignState.Completed, searched.State);
        await Assert.ThrowsAsync<UserRequestException>(() => campaign.Evaluate("""{ "top": 2, "bogus": 1 }"""));

        var started = await campaign.Evaluate("""{ "top": 2, "seeds": 2, "epochs": 4, "reference": "resnet-8" }""");
        Assert.Equal((CampaignState.Running, 14), (started.State, started.FinalTotal)); // (2 found + 2 random + NASNet-A + ResNet-8 + found at its params) x 2 seeds
        var host = (await campaign.GetStatus()).Host;
        var victim = cluster.Silos.First(h => h.SiloAddress.ToString() != host);
        await Wait.Until(campaign.GetStatus, st => st.Trainers.Any(t => t.TrainerId.StartsWith(victim.Name + "/", StringComparison.Ordinal)),
            TimeSpan.FromMinutes(1), "a final training on the victim silo");
        await cluster.KillSiloAsync(victim);
        var s = await TestClusters.WaitDoneAsync(grains, "final", TimeSpan.FromMinutes(3));
        var report = await campaign.GetFinalReport();

        Assert.Equal(CampaignState.Completed, s.State);
        Assert.Equal((14, 0), (s.FinalDone, s.FinalFailed));
        Assert.Equal(searched.RewardsApplied, s.RewardsApplied); // final trainings are never rewards
        Assert.Equal(["found #1", "found #2", "random #1", "random #2", "nasnet-a", "resnet-8", "found #1 @ resnet-8 params"], report.Rows.Select(r => r.Label));
        Assert.All(report.Rows, r =>
        {
            Assert.Equal((2, 2), (r.Seeds, r.Trained));
            Assert.NotNull(r.TestMean);
            Assert.True(r.Params > 0, r.Label);
        });
        Assert.True(report.Complete);
        Assert.NotNull(report.BestFound);
        Assert.NotEqual(report.Rows[0].Architecture, report.Rows[2].Architecture);
        var json = NasNet.Client.Cluster.CampaignViews.StatusJson(s);
        Assert.Equal(14, json["final"]!["total"]!.GetValue<int>());
        var final = NasNet.Client.Cluster.CampaignViews.FinalJson(report);
        Assert.Equal(7, final["rows"]!.AsArray().Count);
        var (front, latencyFront) = NasNet.Client.Cluster.CampaignViews.ParetoFronts(await campaign.GetCandidates(), s.Proposed);
        Assert.NotEmpty(front);
        Assert.All(front.Concat(latencyFront), c => Assert.True(c.Number < s.Proposed, $"final training #{c.Number} on the search's front"));
        await Assert.ThrowsAsync<UserRequestException>(() => campaign.Evaluate(null)); // once
    }
    [Fact]
    public async Task Asha_ThreeSilos_PromotionsResumeFromCheckpoints_AndThroughAKillOfThePromotedCandidatesSilo()
    {
        await using var cluster = await TestClusters.DeployAsync(_redis);
        var grains = cluster.Client;
        var campaign = grains.GetGrain<ICampaignGrain>("asha");
        await campaign.Start("""
            { "name": "asha", "seed": 3, "strategy": { "kind": "random" }, "dataset": { "kind": "synthetic" },
              "trainer": { "kind": "simulated", "secondsPerEpoch": 0.3 }, "lease": { "seconds": 2 },
              "schedule": { "kind": "asha", "minEpochs": 1, "maxEpochs": 9, "eta": 3 }, "budget": { "candidates": 27 } }
            """);
        var host = (await campaign.GetStatus()).Host;
        var victim = cluster.Silos.First(h => h.SiloAddress.ToString() != host);
        bool OnVictim(TrainerActivity t) => t.TrainerId.StartsWith(victim.Name + "/", StringComparison.Ordinal);

        // Past epoch 1 a candidate is in a promoted rung (the first rung trains 1 epoch): kill its silo mid-rung.
        var busy = await Wait.Until(campaign.GetStatus, st => st.Trainers.Any(t => OnVictim(t) && t.Epoch >= 2 && t.Epoch < t.Epochs),
            TimeSpan.FromMinutes(2), "a promoted candidate training on the victim silo");
        var interrupted = busy.Trainers.First(t => OnVictim(t) && t.Epoch >= 2 && t.Epoch < t.Epochs);
        await cluster.KillSiloAsync(victim);
        var s = await TestClusters.WaitDoneAsync(grains, "asha", TimeSpan.FromMinutes(3));

        Assert.Equal(CampaignState.Completed, s.State);
        Assert.Equal([1, 3, 9], s.Rungs);
        Assert.Equal((27, 0, 27), (s.Completed, s.Failed, s.RewardsApplied)); // one reward each, from the first rung
        Assert.True(s.Promotions >= 9, $"promotions {s.Promotions}");
        Assert.True(s.EpochsTrained < 27 * 9, $"epochs {s.EpochsTrained}");
        Assert.Equal(2, s.BestRung);
        var rows = await campaign.GetCandidates();
        var views = await Task.WhenAll(rows.Select(r => grains.GetGrain<ICandidateGrain>(r.CandidateId).Get()));
        Assert.Equal(27, views.Length);
        Assert.All(views, v => Assert.Equal((CandidateStatus.Done, Math.Max(1, v.RungResults.Count)), (v.Status, v.ResultsRecorded))); // one result per rung
        var promoted = views.Where(v => v.RungResults.Count > 1).ToArray();
        Assert.Equal(s.Promotions, promoted.Sum(v => v.RungResults.Count - 1)); // every promotion recorded once
        var rungs = new[] { 1, 3, 9 };
        foreach (var v in promoted)
        {
            for (var k = 1; k < v.RungResults.Count; k++)
            {
                Assert.Equal(rungs[k], v.RungResults[k].Epochs);
                Assert.True(v.RungResults[k].ResumedFromEpoch >= rungs[k - 1], $"{v.CandidateId} rung {k} resumed from {v.RungResults[k].ResumedFromEpoch}");
            }
        }

        Assert.Equal(s.EpochsTrained, views.Where(v => v.CacheHitOf is null).Sum(v => v.RungResults.Count == 0 ? v.Result!.Epochs : v.RungResults[^1].Epochs));
        var killed = views.Single(v => v.CandidateId == interrupted.CandidateId);
        var last = killed.RungResults[^1];
        Assert.False(last.TrainerId.StartsWith(victim.Name + "/", StringComparison.Ordinal));
        Assert.True(last.ResumedFromEpoch >= interrupted.Epoch, $"resumed from {last.ResumedFromEpoch}, was at {interrupted.Epoch}");
        var board = await campaign.GetLeaderboard(0, 5);
        Assert.Equal(2, board[0].Rung); // ranked by the highest rung reached first
    }
    [Fact]
    public async Task Tabular_Nb201_ThreeSilos_SiloKilled_CompletesWithEveryRewardOnceFromTheTable()
    {
        var table = Path.Combine(Repo.Root, "data", "nb201", "nb201.csv");
        await using var cluster = await TestClusters.DeployAsync(_redis);
        var grains = cluster.Client;
        var campaign = grains.GetGrain<ICampaignGrain>("nb201");
        var config = $$"""
            { "name": "nb201", "seed": 2, "searchSpace": "nas-bench-201", "strategy": { "kind": "evolution", "population": 10, "tournament": 3 },
              "trainer": { "kind": "tabular", "table": "{{table}}", "secondsPerEpoch": 0.5 }, "child": { "epochs": 4 },
              "lease": { "seconds": 2 }, "budget": { "candidates": 40 } }
            """;
        await campaign.Start(config);
        var host = (await campaign.GetStatus()).Host;
        var victim = cluster.Silos.First(h => h.SiloAddress.ToString() != host);
        await Wait.Until(campaign.GetStatus, st => st.Trainers.Any(t => t.TrainerId.StartsWith(victim.Name + "/", StringComparison.Ordinal) && t.Epoch >= 1),
            TimeSpan.FromMinutes(1), "a tabular replay on the victim silo past epoch 1");
        await cluster.KillSiloAsync(victim);
        var s = await TestClusters.WaitDoneAsync(grains, "nb201");

        Assert.Equal(CampaignState.Completed, s.State);
        Assert.Equal((0, 40), (s.Failed, s.RewardsApplied));
        var rows = await campaign.GetCandidates();
        Assert.Equal(40, rows.Length);
        var views = await Task.WhenAll(rows.Select(r => grains.GetGrain<ICandidateGrain>(r.CandidateId).Get()));
        var replay = new NasNet.Core.Tabular.TabularTrainer(table, space: NasNet.Core.SearchSpace.SearchSpaces.Get("nas-bench-201"));
        var byId = views.ToDictionary(v => v.CandidateId);
        foreach (var v in views)
        {
            Assert.Equal(CandidateStatus.Done, v.Status);
            Assert.StartsWith("|", v.GenotypeJson); // the benchmark's cell string, not a NASNet genotype
            // An isomorphic cell is a cache hit and reuses the first one's row (the table has a row per cell string).
            var trained = v.CacheHitOf is { } original ? byId[original] : v;
            var record = replay.Lookup(NasNet.Core.SearchSpace.SearchSpaces.Parse("nas-bench-201", trained.GenotypeJson));
            Assert.Equal(record.Reward, v.Result!.ValidationAccuracy, 9);
            Assert.Equal(record.Reward, v.Reward, 9); // exactly once, the table's value
        }

        Assert.True(s.Resumes >= 1 || views.Any(v => v.Attempts > 1), "the killed silo's replay was re-leased");

        // The accuracy-vs-mult-adds front of `best`/`export`: cheapest first, strictly more accurate along it, and no
        // trained candidate at or under a front point's cost beats it.
        var (front, latencyFront) = NasNet.Client.Cluster.CampaignViews.ParetoFronts(rows, s.Proposed);
        Assert.NotEmpty(front);
        Assert.Empty(latencyFront); // the table has no latency
        for (var i = 1; i < front.Length; i++)
        {
            Assert.True(front[i].MultAdds > front[i - 1].MultAdds && front[i].Accuracy > front[i - 1].Accuracy);
        }

        Assert.All(front, f => Assert.DoesNotContain(rows, r => r.CacheHitOf is null && r.MultAdds > 0 && r.MultAdds <= f.MultAdds && r.Accuracy > f.Accuracy));
    }
}
