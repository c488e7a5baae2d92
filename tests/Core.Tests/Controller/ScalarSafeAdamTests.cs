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
