using NasNet.Core.Campaigns;
using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;

namespace NasNet.Core.Tests.Campaigns;

/// <summary>The campaign's rules, one at a time, with no cluster: a ledger, a scripted strategy and a fixed clock.</summary>
public sealed class CandidateLedgerTests
{
    private static readonly DateTime T0 = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Distinct random genotypes (seeded).</summary>
    private static readonly Genotype[] Cells = DistinctCells(40);

    private static LedgerSettings Settings(int candidates = 4, int maxConcurrent = 0, int maxAttempts = 3, RungSchedule? schedule = null, CostRules? cost = null, long maxEpochs = 0) =>
        new(candidates, maxConcurrent, LeaseSeconds: 10, maxAttempts, schedule ?? RungSchedule.Single(1), cost ?? CostRules.None, maxEpochs);

    private static TrainedResult Result(double accuracy, int epochs = 1, int resumedFrom = 0, long parameters = 1000, long multAdds = 5000, double latency = 1) =>
        new(false, accuracy, parameters, multAdds, latency, epochs, resumedFrom);

    [Fact]
    public void Ledger_Budget_ProposesExactlyTheBudgetAndCompletesWithEachRewardOnce()
    {
        var strategy = new ScriptedStrategy(Cells);
        using var ledger = CandidateLedger.Start(Settings(candidates: 5), strategy, null, T0);
        for (var i = 0; i < 5; i++)
        {
            var lease = ledger.TryLease("t/0", T0)!;
            Assert.Equal(ReportOutcome.Accepted, ledger.Complete(lease.LeaseId, lease.Number, Result(0.1 * (i + 1)), T0));
        }

        Assert.Null(ledger.TryLease("t/0", T0));
        Assert.Equal(CampaignState.Completed, ledger.State);
        Assert.Equal(5, ledger.Entries.Count);
        Assert.Equal((5, 0, 0), (ledger.Done, ledger.Failed, ledger.Pending));
        Assert.Equal([0.1, 0.2, 0.3, 0.4, 0.5], strategy.Observed.Select(o => Math.Round(o.Reward, 6)));
        Assert.Equal(4, ledger.Best);
        Assert.Contains(ledger.TakeEvents(), e => e.Kind == LedgerEventKind.Ended);
    }

    [Fact]
    public void Ledger_MaxConcurrent_GrantsNoMoreLeasesThanAllowed()
    {
        using var ledger = CandidateLedger.Start(Settings(candidates: 5, maxConcurrent: 2), new ScriptedStrategy(Cells), null, T0);
        var a = ledger.TryLease("t/0", T0)!;
        var b = ledger.TryLease("t/1", T0)!;

        Assert.Null(ledger.TryLease("t/2", T0));
        ledger.Complete(a.LeaseId, a.Number, Result(0.5), T0);
        Assert.NotNull(ledger.TryLease("t/2", T0));
        Assert.NotEqual(a.Number, b.Number);
    }

    [Fact]
    public void Ledger_ExpiredLease_IsRequeuedWithTheNextAttemptThenFailsAfterMaxAttempts()
    {
        var strategy = new ScriptedStrategy(Cells);
        using var ledger = CandidateLedger.Start(Settings(candidates: 2, maxAttempts: 2), strategy, null, T0);
        var first = ledger.TryLease("t/0", T0)!;
        Assert.True(ledger.Renew(first.LeaseId, first.Number, 1, T0.AddSeconds(8)));

        Assert.Equal(0, ledger.ExpireLeases(T0.AddSeconds(15))); // renewed at 8 s: expires at 18 s
        Assert.Equal(1, ledger.ExpireLeases(T0.AddSeconds(19)));
        var second = ledger.TryLease("t/1", T0.AddSeconds(19))!;
        Assert.Equal((first.Number, 2), (second.Number, second.Attempt));
        Assert.False(ledger.Renew(first.LeaseId, first.Number, 1, T0.AddSeconds(19))); // the old holder must stop

        Assert.Equal(ReportOutcome.Accepted, ledger.Fail(second.LeaseId, second.Number, "out of memory", T0.AddSeconds(20)));
        Assert.Equal(CandidateStatus.Failed, ledger.Entries[first.Number].Status);
        Assert.Equal("out of memory", ledger.Entries[first.Number].Reason);
        Assert.Equal([first.Number], strategy.Discarded.Select(id => (int)id));
        Assert.Empty(strategy.Observed);
        Assert.Contains(ledger.TakeEvents(), e => e is { Kind: LedgerEventKind.Failed, Reason: "out of memory" });
    }

    [Fact]
    public void Ledger_EveryTrainedCandidateFails_CampaignFailsWithTheReason()
    {
        using var ledger = CandidateLedger.Start(Settings(candidates: 10, maxAttempts: 1), new ScriptedStrategy(Cells), null, T0);
        for (var i = 0; i < CandidateLedger.FailFastAfter; i++)
        {
            var lease = ledger.TryLease("t/0", T0)!;
            ledger.Fail(lease.LeaseId, lease.Number, "validation size 1000 does not fit", T0);
        }

        Assert.Equal(CampaignState.Failed, ledger.State);
        Assert.Contains("validation size 1000 does not fit", ledger.Header.Error);
        Assert.Null(ledger.TryLease("t/0", T0));
        Assert.Equal(CandidateLedger.FailFastAfter, ledger.Entries.Count); // stopped early, budget not burnt

        Assert.True(ledger.Resume(T0));
        Assert.Equal(CampaignState.Running, ledger.State);
        Assert.NotNull(ledger.TryLease("t/0", T0)); // a resumed campaign counts failures afresh
    }

    [Fact]
    public void Ledger_SomeCandidatesFail_CampaignStillCompletes()
    {
        using var ledger = CandidateLedger.Start(Settings(candidates: 6, maxAttempts: 1), new ScriptedStrategy(Cells), null, T0);
        for (var i = 0; i < 6; i++)
        {
            var lease = ledger.TryLease("t/0", T0)!;
            if (i % 2 == 0)
            {
                ledger.Complete(lease.LeaseId, lease.Number, Result(0.5), T0);
            }
            else
            {
                ledger.Fail(lease.LeaseId, lease.Number, "boom", T0);
            }
        }

        Assert.Equal((CampaignState.Completed, 3, 3), (ledger.State, ledger.Done, ledger.Failed));
    }

    [Fact]
    public void Ledger_StaleAndDuplicateReports_ChangeNothingAndAreCounted()
    {
        var strategy = new ScriptedStrategy(Cells);
        using var ledger = CandidateLedger.Start(Settings(candidates: 2), strategy, null, T0);
        var old = ledger.TryLease("t/0", T0)!;
        ledger.ExpireLeases(T0.AddSeconds(11));
        var current = ledger.TryLease("t/1", T0.AddSeconds(11))!;

        Assert.Equal(ReportOutcome.Stale, ledger.Complete(old.LeaseId, old.Number, Result(0.9), T0.AddSeconds(12)));
        Assert.Equal(ReportOutcome.Stale, ledger.Fail(old.LeaseId, old.Number, "late", T0.AddSeconds(12)));
        Assert.Equal(ReportOutcome.Accepted, ledger.Complete(current.LeaseId, current.Number, Result(0.4), T0.AddSeconds(12)));
        Assert.Equal(ReportOutcome.Duplicate, ledger.Complete(current.LeaseId, current.Number, Result(0.4), T0.AddSeconds(13)));
        Assert.Equal(ReportOutcome.Stale, ledger.Complete("no-such-lease", 99, Result(0.4), T0));

        Assert.Equal(3, ledger.Header.StaleReports);
        Assert.Single(strategy.Observed);
        Assert.Equal(0.4, ledger.Entries[current.Number].Reward);
    }

    [Fact]
    public void Ledger_Release_RequeuesWithoutCountingAnAttempt()
    {
        using var ledger = CandidateLedger.Start(Settings(candidates: 1), new ScriptedStrategy(Cells), null, T0);
        var lease = ledger.TryLease("t/0", T0)!;

        Assert.True(ledger.Release(lease.LeaseId, lease.Number));
        Assert.False(ledger.Release(lease.LeaseId, lease.Number));
        var again = ledger.TryLease("t/1", T0)!;
        Assert.Equal((lease.Number, 1), (again.Number, again.Attempt));
    }

    [Fact]
    public void Ledger_SameArchitectureWhileTraining_WaitsAndTakesTheResultOnce()
    {
        var strategy = new ScriptedStrategy([Cells[0], Cells[0], Cells[1]]);
        using var ledger = CandidateLedger.Start(Settings(candidates: 3), strategy, null, T0);
        var a = ledger.TryLease("t/0", T0)!;
        var b = ledger.TryLease("t/1", T0)!; // proposes #1 (a cache hit that waits for #0), then #2

        Assert.Equal((0, 2), (a.Number, b.Number));
        Assert.Equal(0, ledger.Entries[1].CacheHitOf);
        Assert.Equal(CandidateStatus.Pending, ledger.Entries[1].Status);
        ledger.Complete(a.LeaseId, a.Number, Result(0.7), T0);

        Assert.Equal(CandidateStatus.Done, ledger.Entries[1].Status);
        Assert.Equal(0.7, ledger.Entries[1].Reward);
        Assert.Equal(1, ledger.CacheHits);
        Assert.Equal([(0L, 0.7), (1L, 0.7)], strategy.Observed);
        Assert.Contains(ledger.TakeEvents(), e => e is { Kind: LedgerEventKind.Finished, Number: 1, Source: 0 });
        ledger.Complete(b.LeaseId, b.Number, Result(0.2), T0);
        Assert.Equal(CampaignState.Completed, ledger.State);
        Assert.Equal(0, ledger.Best); // a cache hit is never the leader: its source is
    }

    [Fact]
    public void Ledger_SameArchitectureAfterDone_IsDoneAtOnceWithoutTraining()
    {
        var strategy = new ScriptedStrategy([Cells[0], Cells[0]]);
        using var ledger = CandidateLedger.Start(Settings(candidates: 2), strategy, null, T0);
        var a = ledger.TryLease("t/0", T0)!;
        ledger.Complete(a.LeaseId, a.Number, Result(0.6), T0);

        Assert.Null(ledger.TryLease("t/0", T0)); // #1 is a cache hit: nothing to train
        Assert.Equal((CampaignState.Completed, 2, 1), (ledger.State, ledger.Done, ledger.CacheHits));
        Assert.Equal(0.6, ledger.Entries[1].Reward);
    }

    [Fact]
    public void Ledger_SourceFailsForGood_ItsWaiterTrainsItself()
    {
        using var ledger = CandidateLedger.Start(Settings(candidates: 2, maxAttempts: 1), new ScriptedStrategy([Cells[0], Cells[0]]), null, T0);
        var a = ledger.TryLease("t/0", T0)!;
        Assert.Null(ledger.TryLease("t/1", T0)); // #1 waits for #0

        ledger.Fail(a.LeaseId, a.Number, "boom", T0);
        var b = ledger.TryLease("t/1", T0)!;

        Assert.Equal(1, b.Number);
        Assert.Equal(-1, ledger.Entries[1].CacheHitOf);
        ledger.Complete(b.LeaseId, b.Number, Result(0.5), T0);
        Assert.Equal((CampaignState.Completed, 1, 1, 0), (ledger.State, ledger.Done, ledger.Failed, ledger.CacheHits));
    }

    [Fact]
    public void Ledger_OverCostLimit_IsRejectedBeforeTrainingAndRewardedZero()
    {
        var strategy = new ScriptedStrategy(Cells);
        var cost = new FixedCost(n => n % 2 == 0 ? new ArchitectureCost(5_000, 1) : new ArchitectureCost(500, 1));
        using var ledger = CandidateLedger.Start(Settings(candidates: 4, cost: new CostRules(MaxParams: 1_000)), strategy, cost, T0);

        var leases = new List<LeaseGrant>();
        while (ledger.TryLease("t/0", T0) is { } l)
        {
            leases.Add(l);
        }

        Assert.Equal([1, 3], leases.Select(l => l.Number));
        Assert.Equal(CandidateStatus.Rejected, ledger.Entries[0].Status);
        Assert.Equal("5,000 params > cost.maxParams 1,000", ledger.Entries[0].Reason);
        Assert.Equal(5_000, ledger.Entries[0].Params);
        Assert.Equal([(0L, 0.0), (2L, 0.0)], strategy.Observed);
        Assert.Equal(2, ledger.Rejected);
        foreach (var l in leases)
        {
            ledger.Complete(l.LeaseId, l.Number, Result(0.5), T0);
        }

        Assert.Equal(CampaignState.Completed, ledger.State);
    }

    [Fact]
    public void Ledger_EveryCandidateRejected_FailsWithTheFix()
    {
        using var ledger = CandidateLedger.Start(Settings(candidates: 3, cost: new CostRules(MaxMultAdds: 10)), new ScriptedStrategy(Cells), new FixedCost(_ => new ArchitectureCost(1, 100)), T0);

        Assert.Null(ledger.TryLease("t/0", T0));
        Assert.Equal(CampaignState.Failed, ledger.State);
        Assert.Contains("cost.maxMultAdds", ledger.Header.Error);
    }

    [Fact]
    public void Ledger_LatencyShapingAndLimit_ScoreTheMeasuredResult()
    {
        var objective = new CostObjective { Metric = CostMetric.Latency, Target = 10, ExponentBelow = 0, ExponentAbove = -1 };
        using var ledger = CandidateLedger.Start(Settings(candidates: 3, cost: new CostRules(MaxLatencyMs: 30, Objective: objective)), new ScriptedStrategy(Cells), null, T0);
        var a = ledger.TryLease("t/0", T0)!;
        var b = ledger.TryLease("t/0", T0)!;
        var c = ledger.TryLease("t/0", T0)!;

        ledger.Complete(a.LeaseId, a.Number, Result(0.8, latency: 5), T0);
        ledger.Complete(b.LeaseId, b.Number, Result(0.8, latency: 20), T0);
        ledger.Complete(c.LeaseId, c.Number, Result(0.9, latency: 40), T0);

        Assert.Equal(0.8, ledger.Entries[a.Number].Reward, 9);
        Assert.Equal(0.4, ledger.Entries[b.Number].Reward, 9); // 0.8 x (20/10)^-1
        Assert.Equal(0.0, ledger.Entries[c.Number].Reward);    // over cost.maxLatencyMs
        Assert.Equal(0.9, ledger.Entries[c.Number].Accuracy);  // the accuracy itself is kept
        Assert.Equal(a.Number, ledger.Best);
    }

    [Fact]
    public void Ledger_StopThenResume_GivesRunningWorkBackAndContinues()
    {
        using var ledger = CandidateLedger.Start(Settings(candidates: 2), new ScriptedStrategy(Cells), null, T0);
        var a = ledger.TryLease("t/0", T0)!;

        Assert.True(ledger.Stop());
        Assert.Null(ledger.TryLease("t/0", T0));
        Assert.Equal(ReportOutcome.Stale, ledger.Complete(a.LeaseId, a.Number, Result(0.5), T0));
        Assert.True(ledger.Resume(T0));
        var again = ledger.TryLease("t/0", T0)!;
        Assert.Equal((a.Number, 1), (again.Number, again.Attempt));
    }

    [Fact]
    public void Ledger_RestoreFromStoredEntries_RebuildsQueueLeasesWaitersAndCountersWithoutRewardingTwice()
    {
        var strategy = new ScriptedStrategy([Cells[0], Cells[1], Cells[0], Cells[2], Cells[3], Cells[4]]);
        using var ledger = CandidateLedger.Start(Settings(candidates: 6), strategy, null, T0);
        var a = ledger.TryLease("t/0", T0)!;            // #0
        var b = ledger.TryLease("t/1", T0)!;            // #1
        var c = ledger.TryLease("t/2", T0)!;            // #2 waits for #0, so #3
        ledger.Complete(b.LeaseId, b.Number, Result(0.3), T0);
        var stored = ledger.Entries.Select(e => e.Copy()).ToList();
        var header = ledger.Header;

        var restoredStrategy = strategy.Copy();
        using var restored = CandidateLedger.Restore(Settings(candidates: 6), restoredStrategy, null, header, stored, T0.AddSeconds(5));

        Assert.Equal((1, 0, 2), (restored.Done, restored.CacheHits, restored.Running));
        Assert.Equal(1, restored.Best);
        Assert.True(restored.Renew(a.LeaseId, a.Number, 1, T0.AddSeconds(6))); // leases survive a controller restart
        Assert.Equal(ReportOutcome.Accepted, restored.Complete(a.LeaseId, a.Number, Result(0.9), T0.AddSeconds(6)));
        Assert.Equal(CandidateStatus.Done, restored.Entries[2].Status); // the waiter was rebuilt and took the result
        Assert.Equal(ReportOutcome.Duplicate, restored.Complete(b.LeaseId, b.Number, Result(0.3), T0.AddSeconds(6)));
        restored.Complete(c.LeaseId, c.Number, Result(0.1), T0.AddSeconds(6));
        while (restored.TryLease("t/0", T0.AddSeconds(7)) is { } l)
        {
            restored.Complete(l.LeaseId, l.Number, Result(0.2), T0.AddSeconds(7));
        }

        Assert.Equal(CampaignState.Completed, restored.State);
        Assert.Equal(6, restored.Done);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (long)i), strategy.Observed.Concat(restoredStrategy.Observed).Select(o => o.SampleId).Order());
    }

    [Fact]
    public void Asha_TopThirdOfARung_IsPromotedAsSoonAsItQualifies()
    {
        using var ledger = CandidateLedger.Start(Settings(candidates: 9, schedule: RungSchedule.Asha(1, 9, 3)), new ScriptedStrategy(Cells), null, T0);
        var accuracies = new[] { 0.5, 0.9, 0.4 };
        var leases = Enumerable.Range(0, 3).Select(_ => ledger.TryLease("t/0", T0)!).ToArray();
        Assert.All(leases, l => Assert.Equal(1, l.TargetEpochs));
        for (var i = 0; i < 3; i++)
        {
            ledger.Complete(leases[i].LeaseId, leases[i].Number, Result(accuracies[i], epochs: 1), T0);
        }

        var promoted = ledger.TryLease("t/0", T0)!;

        Assert.Equal((1, 3), (promoted.Number, promoted.TargetEpochs)); // the best of 3 goes to rung 1 (3 epochs)
        Assert.Equal(1, ledger.Header.Promotions);
        Assert.Equal(3, ledger.TryLease("t/0", T0)!.Number); // then a new candidate: nobody else is in the top third
        ledger.Complete(promoted.LeaseId, promoted.Number, Result(0.95, epochs: 3, resumedFrom: 1), T0);
        Assert.Equal(1, ledger.Entries[1].Rung);
        Assert.Equal([0.9, 0.95], ledger.Entries[1].RungAccuracies);
        Assert.Equal(0.9, ledger.Entries[1].Reward); // the strategy learns from the first rung, once
        Assert.Equal(1, ledger.Best);
        Assert.Equal(1, ledger.Header.Resumes);
    }

    [Fact]
    public void Asha_WholeCampaign_PromotesByRungAndTrainsFewerEpochsThanFullTraining()
    {
        using var ledger = CandidateLedger.Start(Settings(candidates: 27, schedule: RungSchedule.Asha(1, 9, 3)), new ScriptedStrategy(Cells), null, T0);
        var epochsTrained = 0;
        var checkpoint = new Dictionary<int, int>();
        while (ledger.TryLease("t/0", T0) is { } l)
        {
            var from = checkpoint.GetValueOrDefault(l.Number);
            epochsTrained += l.TargetEpochs - from;
            checkpoint[l.Number] = l.TargetEpochs;
            var quality = (l.Number * 37 % 27) / 27.0; // a fixed ranking of the candidates
            ledger.Complete(l.LeaseId, l.Number, Result(quality * 0.5 + l.TargetEpochs * 0.05, l.TargetEpochs, from), T0);
        }

        Assert.Equal(CampaignState.Completed, ledger.State);
        Assert.Equal(27, ledger.Done);
        // Asynchronous: a candidate promoted early may later fall out of its rung's top third, so at least (not
        // exactly) a third of each rung goes on; every promotion continues from the rung below.
        var reached = Enumerable.Range(0, 3).Select(k => ledger.Entries.Count(e => e.Rung >= k)).ToArray();
        Assert.Equal(27, reached[0]);
        Assert.InRange(reached[1], 9, 13);
        Assert.InRange(reached[2], reached[1] / 3, reached[1] / 2);
        Assert.Equal(ledger.Entries.Sum(e => new[] { 1, 3, 9 }[e.Rung]), epochsTrained);
        Assert.Equal(epochsTrained, ledger.EpochsTrained);
        Assert.True(epochsTrained < 27 * 9 / 3, $"{epochsTrained} epochs");
        var leader = ledger.Entries[ledger.Best];
        Assert.Equal(2, leader.Rung);
        Assert.Equal(ledger.Entries.Where(e => e.Rung == 2).Max(e => e.Accuracy), leader.Accuracy);
        Assert.Equal(ledger.Best, ledger.Ranking().First());
    }

    [Fact]
    public void Asha_RestoreFromStoredEntries_KeepsRungsAndPromotions()
    {
        var settings = Settings(candidates: 6, schedule: RungSchedule.Asha(1, 3, 3));
        var strategy = new ScriptedStrategy(Cells);
        using var ledger = CandidateLedger.Start(settings, strategy, null, T0);
        var leases = Enumerable.Range(0, 3).Select(_ => ledger.TryLease("t/0", T0)!).ToArray();
        for (var i = 0; i < 3; i++)
        {
            ledger.Complete(leases[i].LeaseId, leases[i].Number, Result(0.1 * (i + 1)), T0);
        }

        var promoted = ledger.TryLease("t/0", T0)!; // #2 to 3 epochs
        using var restored = CandidateLedger.Restore(settings, strategy.Copy(), null, ledger.Header, ledger.Entries.Select(e => e.Copy()), T0);

        Assert.Equal(2, promoted.Number);
        Assert.True(restored.Entries[2].Promoted);
        Assert.Equal(3, restored.Done);
        Assert.Equal(3, restored.EpochsTrained);
        Assert.Equal(ReportOutcome.Accepted, restored.Complete(promoted.LeaseId, 2, Result(0.6, epochs: 3, resumedFrom: 1), T0));
        Assert.Equal(3, restored.TryLease("t/0", T0)!.Number); // no second promotion of #2
    }

    [Fact]
    public void Asha_PromotionFailsForGood_CandidateKeepsItsEarlierResult()
    {
        using var ledger = CandidateLedger.Start(Settings(candidates: 3, maxAttempts: 1, schedule: RungSchedule.Asha(1, 3, 3)), new ScriptedStrategy(Cells), null, T0);
        var leases = Enumerable.Range(0, 3).Select(_ => ledger.TryLease("t/0", T0)!).ToArray();
        foreach (var l in leases)
        {
            ledger.Complete(l.LeaseId, l.Number, Result(0.5 + l.Number * 0.1), T0);
        }

        var promoted = ledger.TryLease("t/0", T0)!;
        ledger.Fail(promoted.LeaseId, promoted.Number, "killed", T0);

        Assert.Equal(CandidateStatus.Done, ledger.Entries[promoted.Number].Status);
        Assert.Equal(0, ledger.Entries[promoted.Number].Rung);
        Assert.Equal(0, ledger.Failed);
        Assert.Equal(CampaignState.Completed, ledger.State);
    }

    [Fact]
    public void Asha_EpochBudget_StopsProposingAndPromotingAtTheBudget()
    {
        using var ledger = CandidateLedger.Start(Settings(candidates: 100, schedule: RungSchedule.Asha(1, 9, 3), maxEpochs: 20), new ScriptedStrategy(Cells), null, T0);
        while (ledger.TryLease("t/0", T0) is { } l)
        {
            ledger.Complete(l.LeaseId, l.Number, Result(l.Number / 100.0, l.TargetEpochs), T0);
        }

        Assert.Equal(CampaignState.Completed, ledger.State);
        Assert.True(ledger.EpochsTrained <= 20, $"{ledger.EpochsTrained} epochs");
        Assert.True(ledger.EpochsTrained >= 19, $"{ledger.EpochsTrained} epochs");
    }

    [Fact]
    public void Final_AfterTheSearch_TrainsThePlannedRowsThenCompletesWithTheTable()
    {
        var final = new FinalSettings { Top = 2, Seeds = 2, Epochs = 5 };
        var planner = new ListPlanner(found => [.. found.Take(2).SelectMany((a, i) => new[] { new FinalWork($"found #{i + 1}", FinalRole.Found, a, 0, 0), new FinalWork($"found #{i + 1}", FinalRole.Found, a, 0, 1) }),
            new FinalWork("resnet-20", FinalRole.Reference, "resnet-20", 0, 0), new FinalWork("resnet-20", FinalRole.Reference, "resnet-20", 0, 1)]);
        var strategy = new ScriptedStrategy(Cells);
        using var ledger = CandidateLedger.Start(Settings(candidates: 3) with { Final = final }, strategy, null, T0);
        for (var i = 0; i < 3; i++)
        {
            var l = ledger.TryLease("t/0", T0)!;
            ledger.Complete(l.LeaseId, l.Number, Result(0.1 * (i + 1)), T0);
        }

        Assert.Equal(CampaignState.Running, ledger.State); // the search ended; the final evaluation is due
        Assert.Contains(ledger.TakeEvents(), e => e.Kind == LedgerEventKind.FinalDue);
        Assert.Null(ledger.TryLease("t/0", T0)); // nothing to train until it is planned
        Assert.True(ledger.StartFinal(planner.Plan(ledger.FoundCells()), final));
        Assert.True(ledger.Header.FinalStarted);
        Assert.Equal((0, 0, 6), ledger.FinalProgress);
        Assert.Equal([ledger.Entries[2].Architecture, ledger.Entries[1].Architecture], planner.Found.Take(2));
        var tests = new Dictionary<string, double[]> { ["found #1"] = [0.80, 0.82], ["found #2"] = [0.70, 0.72], ["resnet-20"] = [0.90, 0.90] };
        var seen = new List<LeaseGrant>();
        while (ledger.TryLease("t/0", T0) is { } l)
        {
            seen.Add(l);
            Assert.Equal(5, l.TargetEpochs);
            var test = tests[l.Final!.Label][l.Final.Seed];
            ledger.Complete(l.LeaseId, l.Number, Result(test - 0.01, epochs: 5) with { TestAccuracy = test }, T0);
        }

        Assert.Equal(6, seen.Count);
        Assert.Equal(CampaignState.Completed, ledger.State);
        Assert.Equal(3, ledger.Done); // search candidates only
        Assert.Equal(3, strategy.Observed.Count); // final trainings are never rewards
        var report = ledger.FinalReport;
        Assert.Equal(["found #1", "found #2", "resnet-20"], report.Rows.Select(r => r.Label));
        Assert.Equal(0.81, report.Rows[0].TestMean!.Value, 9);
        Assert.Equal(Math.Sqrt(0.0002), report.Rows[0].TestStd!.Value, 9);
        Assert.Equal("found #1", report.BestFound!.Label);
        Assert.True(report.Complete);
        Assert.Equal(2, ledger.Best); // the leaderboard is the search's
    }

    [Fact]
    public void Final_StartedOnACompletedCampaign_RunsAgainAndSurvivesRestoreAndFailures()
    {
        var planner = new ListPlanner(found => [new FinalWork("found #1", FinalRole.Found, found[0], 0, 0), new FinalWork("nasnet-a", FinalRole.NasNetA, found[0], 0, 0)]);
        var strategy = new ScriptedStrategy(Cells);
        var settings = Settings(candidates: 1, maxAttempts: 1);
        using var ledger = CandidateLedger.Start(settings, strategy, null, T0);
        var first = ledger.TryLease("t/0", T0)!;
        ledger.Complete(first.LeaseId, first.Number, Result(0.5), T0);
        Assert.Equal(CampaignState.Completed, ledger.State);

        var final = new FinalSettings { Epochs = 1 };
        Assert.True(ledger.StartFinal(planner.Plan(ledger.FoundCells()), final));
        Assert.False(ledger.StartFinal(planner.Plan(ledger.FoundCells()), final)); // once
        Assert.Equal(CampaignState.Running, ledger.State);
        var a = ledger.TryLease("t/0", T0)!;
        using var restored = CandidateLedger.Restore(settings, strategy.Copy(), null, ledger.Header, ledger.Entries.Select(e => e.Copy()), T0);
        Assert.Equal((0, 0, 2), restored.FinalProgress);
        Assert.Equal(ReportOutcome.Accepted, restored.Fail(a.LeaseId, a.Number, "out of memory", T0));
        var b = restored.TryLease("t/0", T0)!;
        restored.Complete(b.LeaseId, b.Number, Result(0.6, epochs: 1) with { TestAccuracy = 0.61 }, T0);

        Assert.Equal(CampaignState.Completed, restored.State);
        Assert.Equal((1, 1, 2), restored.FinalProgress);
        Assert.False(restored.FinalReport.Complete);
        Assert.Equal(0, restored.FinalReport.Rows[0].Trained);
        Assert.Equal(0.61, restored.FinalReport.Rows[1].TestMean);
    }

    [Fact]
    public void RungSchedule_Asha_RungsArePowersOfEtaCappedAtMax()
    {
        Assert.Equal([1, 3, 9], RungSchedule.Asha(1, 9, 3).Rungs);
        Assert.Equal([1, 2, 4, 5], RungSchedule.Asha(1, 5, 2).Rungs);
        Assert.Equal([2], RungSchedule.Asha(2, 2, 3).Rungs);
        Assert.Equal([4], RungSchedule.Single(4).Rungs);
        Assert.Throws<UserErrorException>(() => RungSchedule.Asha(3, 2, 3));
    }

    private static Genotype[] DistinctCells(int n)
    {
        using var random = new RandomSearch(CellSearchSpace.Default, 7);
        var cells = new List<Genotype>();
        while (cells.Count < n)
        {
            var g = random.Propose().Genotype;
            if (cells.All(c => c.Hash != g.Hash))
            {
                cells.Add(g);
            }
        }

        return [.. cells];
    }

    /// <summary>A final planner that records the found cells it was given.</summary>
    private sealed class ListPlanner(Func<IReadOnlyList<string>, IReadOnlyList<FinalWork>> plan) : IFinalPlanner
    {
        public IReadOnlyList<string> Found { get; private set; } = [];

        public IReadOnlyList<FinalWork> Plan(IReadOnlyList<string> found)
        {
            Found = found;
            return plan(found);
        }
    }

    /// <summary>A cost model that costs the n-th architecture it is asked about.</summary>
    private sealed class FixedCost(Func<int, ArchitectureCost> cost) : ICostModel
    {
        private int _asked;

        public ArchitectureCost Estimate(string architecture) => cost(_asked++);
    }

    /// <summary>Proposes the given genotypes in order (sample ids 0, 1, ...) and records what it is told.</summary>
    private sealed class ScriptedStrategy(IReadOnlyList<Genotype> script) : ISearchStrategy
    {
        private long _next;

        public List<(long SampleId, double Reward)> Observed { get; private set; } = [];

        public List<long> Discarded { get; private set; } = [];

        public string Kind => "scripted";

        public int PolicyVersion => 0;

        public int RewardsApplied => Observed.Count;

        public int Pending => (int)_next - Observed.Count - Discarded.Count;

        public Proposal Propose()
        {
            var id = _next++;
            return new Proposal(id, script[(int)(id % script.Count)], 0);
        }

        public bool Observe(long sampleId, double reward)
        {
            Observed.Add((sampleId, reward));
            return true;
        }

        public bool Discard(long sampleId)
        {
            Discarded.Add(sampleId);
            return true;
        }

        /// <summary>The same script and position, with empty records (a restored strategy).</summary>
        public ScriptedStrategy Copy() => new(script) { _next = _next };

        public byte[] Save() => BitConverter.GetBytes(_next);

        public void Dispose()
        {
        }
    }
}
