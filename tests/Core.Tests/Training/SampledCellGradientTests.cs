using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using NasNet.Core.Training;
using TorchSharp;

namespace NasNet.Core.Tests.Training;

public class SampledCellGradientTests
{
    /// <summary>
    /// With libtorch's oneDNN convolutions on, the first backward pass of these sampled cells gave NaN gradients on
    /// this machine's CPU (seeds 2, 5, 6, 9, 11 of 0..11); the trainer turns oneDNN off, and then every one is finite.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(9)]
    public void SampledCell_FirstBackward_HasFiniteGradients(int seed)
    {
        _ = new TorchCandidateTrainer(); // the process start-up every trainer does (oneDNN and NNPACK off)
        var space = CellSearchSpace.Default;
        var genotype = space.Decode(space.RandomDecisions(new Rng(seed)));
        var config = (NetworkConfig.Cifar with { Cells = 1, ImageSize = 28, InChannels = 1, Classes = 10, AuxHead = false, DropPathKeepProb = 1 })
            .WithPenultimateFilters(96, genotype, exact: false);
        torch.manual_seed(seed);
        using var net = new ChildNetwork(genotype, config);
        net.train();
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(64, 1, 28, 28);
        var y = torch.randint(0, 10, 64);
        torch.nn.functional.cross_entropy(net.call(x), y).backward();

        var bad = net.named_parameters().Where(p => p.parameter.grad is { } g && !g.isfinite().all().item<bool>()).Select(p => p.name).ToList();
        Assert.Empty(bad);
    }
}
