using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;
using TorchSharp;
using static TorchSharp.torch;

namespace NasNet.Core.Tests.Controller;

public class ScalarSafeAdamTests
{
    [Fact]
    public void Step_SameAsTorchSharpAdam_WeightsAndStateBytesIdentical()
    {
        using var a = new ControllerPolicy(Nb201SearchSpace.Instance, hidden: 8, seed: 5);
        using var b = new ControllerPolicy(Nb201SearchSpace.Instance, hidden: 8, seed: 5);
        var reference = optim.Adam(a.parameters(), lr: 0.01);
        var safe = new ScalarSafe.Adam(b.parameters(), 0.01);
        var rows = a.Sample(6, new Rng(1)).Decisions;
        for (var step = 0; step < 5; step++)
        {
            foreach (var (policy, adam) in new (ControllerPolicy, optim.Optimizer)[] { (a, reference), (b, safe) })
            {
                using var scope = NewDisposeScope();
                adam.zero_grad();
                var (logp, _) = policy.Evaluate(rows);
                (-logp.mean()).backward();
                adam.step();
            }
        }

        var pa = a.parameters().Select(p => p.data<float>().ToArray()).ToArray();
        var pb = b.parameters().Select(p => p.data<float>().ToArray()).ToArray();
        Assert.Equal(pa, pb);
        using var fresh = new ControllerPolicy(Nb201SearchSpace.Instance, hidden: 8, seed: 5);
        Assert.NotEqual(pa, fresh.parameters().Select(p => p.data<float>().ToArray()).ToArray()); // the steps moved the weights
        Assert.Equal(StateBytes(reference), StateBytes(safe));
    }

    [Fact]
    public void PpoUpdates_WhileAnotherThreadForcesGCs_NoNativeScalarIsFreedMidCall()
    {
        // TorchSharp frees a native Scalar when its wrapper is finalized, and a temporary one is unreachable during its
        // own native call. With this collector thread, the same 30 updates on TorchSharp's Adam failed ("Expected false
        // to be true ... toFloat") in 2 of 3 runs (1 of 2 at 20 updates); ScalarSafe.Adam and the controller's explicit
        // Scalars must survive them.
        var options = new StrategyOptions { Kind = StrategyKind.Ppo, Hidden = 16, BatchSize = 5, ProposeAhead = 5, LearningRate = 0.01, NormalizeAdvantages = true };
        using var s = new PpoSearch(options, Nb201SearchSpace.Instance, 1);
        var reward = new SyntheticTargetReward(Nb201SearchSpace.Instance, 2);
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Thread.Sleep(1);
            }
        }) { IsBackground = true };
        collector.Start();
        try
        {
            for (var i = 0; i < 150; i++)
            {
                var p = s.Propose();
                s.Observe(p.SampleId, reward.Reward(p.Architecture));
            }
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }

        Assert.Equal(30, s.PolicyVersion);
    }

    private static byte[] StateBytes(optim.Optimizer adam)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            ((TorchSharp.Modules.OptimizerHelper)adam).save_state_dict(w);
        }

        return ms.ToArray();
    }
}
