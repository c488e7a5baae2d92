using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;
using TorchSharp;

namespace NasNet.Core.Tests.Controller;

/// <summary>The strategies on the NAS-Bench-201 space: the same code, driven by the space's decisions.</summary>
public class Nb201StrategyTests
{
    private static readonly ISearchSpace Space = Nb201SearchSpace.Instance;

    private static int Differences(int[] a, int[] b) => a.Zip(b).Count(t => t.First != t.Second);

    [Fact]
    public void Policy_Nb201_EmitsOneOpPerEdgeFromASingleHead()
    {
        using var policy = new ControllerPolicy(Space, hidden: 32, seed: 1);
        Assert.Equal(
            ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "embed.weight", "ops.weight", "ops.bias"],
            policy.named_parameters().Select(p => p.name));
        var s = policy.Sample(64, new Rng(2));
        Assert.All(s.Decisions, row => Assert.Equal(6, row.Length));
        Assert.All(s.Decisions.SelectMany(r => r), d => Assert.InRange(d, 0, 4));
        Assert.Equal(s.Decisions.Select(Space.Decode), s.Architectures);
        Assert.All(s.Architectures, a => Assert.IsType<Nb201Cell>(a));
        Assert.Equal(5, s.Decisions.SelectMany(r => r).Distinct().Count());

        using var scope = torch.NewDisposeScope();
        var (lp, _) = policy.Evaluate(s.Decisions);
        var evaluated = lp.data<float>().ToArray();
        for (var i = 0; i < s.LogProbs.Length; i++)
        {
            Assert.True(Math.Abs(evaluated[i] - s.LogProbs[i]) < 1e-4, $"row {i}: {evaluated[i]} vs {s.LogProbs[i]}");
        }
    }

    [Fact]
    public void Policy_NasNet_KeepsItsCheckpointKeys()
    {
        // The heads used to be fields named inputs, ops, combines: the names (state_dict keys) must not change.
        using var policy = new ControllerPolicy(CellSearchSpace.Default, hidden: 16, seed: 1);
        Assert.Equal(
            ["embed.weight", "inputs.weight", "inputs.bias", "ops.weight", "ops.bias", "combines.weight", "combines.bias"],
            policy.named_parameters().Select(p => p.name).Skip(4));
        Assert.Equal([6L, 16L], policy.named_parameters().Single(p => p.name == "inputs.weight").parameter.shape);
    }

    [Fact]
    public void Ppo_Nb201SyntheticTarget_LearnsTheTargetCell()
    {
        // A hidden target cell; reward = share of the 6 edges equal to it. 300 samples at a learning rate for this
        // budget: the last 60 proposals match most of the target, where random cells match 1.2 edges of 6 (0.2).
        var options = new StrategyOptions { Kind = StrategyKind.Ppo, Hidden = 32, LearningRate = 0.02, BatchSize = 10, ProposeAhead = 10, NormalizeAdvantages = true };
        using var s = SearchStrategies.Create(options, Space, 3);
        var reward = new SyntheticTargetReward(Space, 4, noise: 0.02);
        var exact = new List<double>();
        for (var i = 0; i < 300; i++)
        {
            var p = s.Propose();
            exact.Add(reward.Exact(p.Architecture));
            s.Observe(p.SampleId, reward.Reward(p.Architecture));
        }

        Assert.InRange(reward.RandomMean, 0.19, 0.21);
        Assert.True(exact.Skip(240).Average() > 0.6, $"last 60: {exact.Skip(240).Average():F3}, first 60: {exact.Take(60).Average():F3}");
    }

    [Fact]
    public void Evolution_Nb201_ChildChangesTheOpOnExactlyOneEdge()
    {
        using var s = new RegularizedEvolution(new StrategyOptions { Kind = StrategyKind.Evolution, Population = 10, Tournament = 10 }, Space, 2);
        var first = Enumerable.Range(0, 10).Select(_ => s.Propose()).ToArray();
        for (var i = 0; i < 10; i++)
        {
            s.Observe(first[i].SampleId, i == 7 ? 0.9 : 0.01 * i);
        }

        var best = Space.Encode(first[7].Architecture);
        var edges = new HashSet<int>();
        for (var k = 0; k < 60; k++)
        {
            var child = Space.Encode(s.Propose().Architecture);
            Assert.Equal(1, Differences(best, child));
            edges.Add(Enumerable.Range(0, 6).Single(e => best[e] != child[e]));
        }

        Assert.Equal(6, edges.Count); // every edge gets mutated
    }

    [Fact]
    public void Random_Nb201_EveryOpEquallyLikelyOnEveryEdge()
    {
        using var s = SearchStrategies.Create(new StrategyOptions { Kind = StrategyKind.Random }, Space, 5);
        var counts = new int[6, 5];
        var cells = new HashSet<string>();
        for (var i = 0; i < 5000; i++)
        {
            var p = s.Propose();
            cells.Add(p.Architecture.Text);
            var d = Space.Encode(p.Architecture);
            for (var e = 0; e < 6; e++)
            {
                counts[e, d[e]]++;
            }
        }

        // Expected 1000 per (edge, op), binomial sd 28: 880..1120 is over 4 sd.
        foreach (var c in counts)
        {
            Assert.InRange(c, 880, 1120);
        }

        // 5,000 uniform draws from 15,625 cells give about 15625 * (1 - e^-0.32) = 4,300 distinct ones.
        Assert.InRange(cells.Count, 4150, 4450);
    }

    [Theory]
    [InlineData(StrategyKind.Ppo)]
    [InlineData(StrategyKind.Random)]
    [InlineData(StrategyKind.Evolution)]
    public void Restore_StateOfTheOtherSpace_OneLineErrorNamingTheSpace(StrategyKind kind)
    {
        var options = new StrategyOptions { Kind = kind, Hidden = 16 };
        using var s = SearchStrategies.Create(options, Space, 1);
        s.Propose();
        var e = Assert.Throws<UserErrorException>(() => SearchStrategies.Restore(options, CellSearchSpace.Default, s.Save()));
        Assert.Equal("the saved strategy state searches the 'nas-bench-201' space, not 'nasnet': set searchSpace to 'nas-bench-201' to resume this campaign", e.Message);
    }

    [Fact]
    public void Restore_FormatOneState_ReadsAsNasNet()
    {
        // Format 1 (before spaces were data) had no space name in the header: such a state is a NASNet one.
        using var s = SearchStrategies.Create(new StrategyOptions { Kind = StrategyKind.Random }, CellSearchSpace.Default, 1);
        var p = s.Propose();
        var v2 = s.Save();
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            using var r = new BinaryReader(new MemoryStream(v2));
            w.Write(r.ReadString());
            Assert.Equal(2, r.ReadInt32());
            w.Write(1);
            w.Write(r.ReadString());
            Assert.Equal("nasnet", r.ReadString());
            w.Write(r.ReadBytes(v2.Length));
        }

        using var restored = SearchStrategies.Restore(new StrategyOptions { Kind = StrategyKind.Random }, CellSearchSpace.Default, ms.ToArray());
        Assert.Equal(1, restored.Pending);
        Assert.True(restored.Observe(p.SampleId, 0.5));
        Assert.Throws<UserErrorException>(() => SearchStrategies.Restore(new StrategyOptions { Kind = StrategyKind.Random }, Space, ms.ToArray()));
    }
}
