using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;
using TorchSharp;

namespace NasNet.Core.Tests.Controller;

public class ControllerPolicyTests
{
    private static readonly CellSearchSpace Space = CellSearchSpace.Default;

    [Fact]
    public void Sample_DefaultSpace_EmitsValidDecisionsForBothCells()
    {
        using var policy = new ControllerPolicy(Space, hidden: 100, seed: 1);
        var s = policy.Sample(16, new Rng(2));

        Assert.Equal(16, s.Decisions.Length);
        Assert.Equal(s.Decisions.Select(Space.Decode), s.Genotypes);
        foreach (var row in s.Decisions)
        {
            Assert.Equal(50, row.Length);
            for (var p = 0; p < row.Length; p++)
            {
                Assert.InRange(row[p], 0, Space.ChoiceCount(p) - 1);
            }
        }

        // Near-uniform at init: every row's probability is far from 1, and its entropy close to the maximum.
        var maxEntropy = Enumerable.Range(0, 50).Sum(p => Math.Log(Space.ChoiceCount(p)));
        Assert.All(s.LogProbs, lp => Assert.True(lp < -40, $"log-prob {lp}"));
        Assert.All(s.Entropies, e => Assert.InRange(e, 0.95 * maxEntropy, maxEntropy + 1e-6));
        // Block 0 has 2 inputs, block 4 has 6: both extremes get drawn.
        Assert.Contains(s.Decisions, r => r[4 * 5] == 5 || r[4 * 5 + 1] == 5);
    }

    [Fact]
    public void Sample_SameSeeds_SameArchitecturesAndLogProbs()
    {
        using var a = new ControllerPolicy(Space, seed: 3);
        using var b = new ControllerPolicy(Space, seed: 3);
        var sa = a.Sample(8, new Rng(9));
        var sb = b.Sample(8, new Rng(9));
        var sc = a.Sample(8, new Rng(10));

        Assert.Equal(sa.Decisions, sb.Decisions);
        Assert.Equal(sa.LogProbs, sb.LogProbs);
        Assert.NotEqual(sa.Decisions, sc.Decisions);
    }

    [Fact]
    public void Evaluate_TeacherForced_MatchesSamplingLogProbsAndEntropy()
    {
        using var policy = new ControllerPolicy(Space, seed: 4);
        var s = policy.Sample(12, new Rng(5));
        using var scope = torch.NewDisposeScope();
        var (lp, ent) = policy.Evaluate(s.Decisions);
        var lpv = lp.data<float>().ToArray();
        var entv = ent.data<float>().ToArray();
        var diffs = string.Join(" ", Enumerable.Range(0, 12).Select(i => $"{s.LogProbs[i]:F4}/{lpv[i]:F4}|{s.Entropies[i]:F4}/{entv[i]:F4}"));
        for (var i = 0; i < 12; i++)
        {
            Assert.True(Math.Abs(s.LogProbs[i] - lpv[i]) < 3e-4, diffs);
            Assert.True(Math.Abs(s.Entropies[i] - entv[i]) < 3e-4, diffs);
        }
    }

    [Fact]
    public void Sample_CallerInNoGrad_StillMatchesTeacherForcedLogProbs()
    {
        // Without gradients libtorch's LSTM takes another kernel (oneDNN) whose results differ by ~1e-3 per decision.
        using var policy = new ControllerPolicy(Space, seed: 4);
        PolicySamples s;
        using (torch.no_grad())
        {
            s = policy.Sample(6, new Rng(5));
        }

        using var scope = torch.NewDisposeScope();
        var lp = policy.Evaluate(s.Decisions).LogProb.data<float>().ToArray();
        for (var i = 0; i < 6; i++)
        {
            Assert.True(Math.Abs(s.LogProbs[i] - lp[i]) < 3e-4, $"{s.LogProbs[i]} vs {lp[i]}");
        }
    }

    [Fact]
    public void Init_AllWeights_UniformWithinPointOne()
    {
        using var policy = new ControllerPolicy(Space, hidden: 100, seed: 6);
        using var scope = torch.NewDisposeScope();
        var all = torch.cat(policy.parameters().Select(p => p.detach().flatten()).ToArray());
        Assert.True(all.abs().max().item<float>() <= 0.1f);
        Assert.True(all.abs().max().item<float>() > 0.099f);
        Assert.Equal(0.0, all.mean().item<float>(), 0.005);
        Assert.Equal(0.1 / Math.Sqrt(3), all.std().item<float>(), 0.005); // std of U(-0.1, 0.1)
    }

    [Fact]
    public void Evaluate_Backward_ReachesEveryParameter()
    {
        using var policy = new ControllerPolicy(Space, seed: 7);
        var s = policy.Sample(4, new Rng(8));
        using var scope = torch.NewDisposeScope();
        var (lp, ent) = policy.Evaluate(s.Decisions);
        (lp.sum() + ent.sum()).backward();
        foreach (var (name, p) in policy.named_parameters())
        {
            Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0, $"{name} has no gradient");
        }
    }

    [Fact]
    public void Evaluate_OutOfRangeDecision_Throws()
    {
        using var policy = new ControllerPolicy(Space, seed: 7);
        var row = new int[50];
        row[0] = 2; // block 0 chooses among 2 inputs
        using var scope = torch.NewDisposeScope();
        Assert.Throws<ArgumentException>(() => policy.Evaluate([row]));
    }
}
