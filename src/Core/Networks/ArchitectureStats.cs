using NasNet.Core.SearchSpace;
using TorchSharp;

namespace NasNet.Core.Networks;

/// <summary>Size and cost of a network: trainable parameters and multiply-adds of one image (aux head excluded).</summary>
/// <param name="Params">Trainable parameters (BatchNorm running statistics excluded).</param>
/// <param name="MultAdds">Multiply-adds of every convolution (depthwise and pointwise included) and the classifier.</param>
/// <param name="BatchNormBuffers">BatchNorm running mean and variance entries (Keras counts them as non-trainable params).</param>
/// <param name="Cells">Cells built, ImageNet stem cells included.</param>
/// <param name="FeatureChannels">Channels of the penultimate layer (F of "N @ F").</param>
public sealed record ArchitectureCounts(long Params, long MultAdds, long BatchNormBuffers = 0, int Cells = 0, long FeatureChannels = 0);

/// <summary>Counts parameters and multiply-adds without training, from a forward pass on the meta device.</summary>
public static class ArchitectureStats
{
    /// <summary>Counts <paramref name="genotype"/> built with <paramref name="config"/> (its aux head is never counted).</summary>
    public static ArchitectureCounts Count(Genotype genotype, NetworkConfig config)
    {
        var meta = MetaAvailable();
        var noAux = config with { AuxHead = false };
        using var net = meta ? Layers.BuildOn(torch.META, () => new ChildNetwork(genotype, noAux)) : new ChildNetwork(genotype, noAux);
        var parameters = net.ParameterCount();
        var buffers = net.named_buffers().Where(b => b.name.EndsWith("running_mean", StringComparison.Ordinal) || b.name.EndsWith("running_var", StringComparison.Ordinal))
            .Sum(b => b.buffer.numel());
        long[] shape = [1, config.InChannels, config.ImageSize, config.ImageSize];
        var macs = MacCounter.Count(() => net.StageShapes(shape));
        return new ArchitectureCounts(parameters, macs, buffers, net.CellModules.Count, net.FeatureChannels);
    }

    private static bool MetaAvailable()
    {
        try
        {
            using var t = torch.zeros(1, device: torch.META);
            return t.device_type == DeviceType.META;
        }
        catch (Exception)
        {
            return false;
        }
    }
}
