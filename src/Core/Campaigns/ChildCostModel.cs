using NasNet.Core.Datasets;
using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using NasNet.Core.Training;

namespace NasNet.Core.Campaigns;

/// <summary>
/// Params and mult-adds of a NASNet genotype built as the campaign's children are (macro skeleton, N, F, image size,
/// channels and classes of the dataset), counted on the meta device without training: what the cost limits check
/// before a candidate is queued.
/// </summary>
public sealed class ChildCostModel(ChildTrainingSpec spec, int imageSize, int channels, int classes) : ICostModel
{
    /// <summary>The cost model for a spec, with the image shape of its dataset (read once; an image folder is loaded).</summary>
    public static ChildCostModel For(ChildTrainingSpec spec)
    {
        var (size, channels, classes) = ShapeOf(spec);
        return new ChildCostModel(spec, size, channels, classes);
    }

    /// <summary>Image size, channels and classes of a spec's dataset (known for the built-in sets; others are loaded).</summary>
    public static (int ImageSize, int Channels, int Classes) ShapeOf(ChildTrainingSpec spec)
    {
        var (size, channels, classes) = spec.Dataset.Trim().ToLowerInvariant() switch
        {
            "fashion-mnist" => (28, 1, 10),
            "cifar10" => (32, 3, 10),
            _ => Shape(DatasetCatalog.Load(TorchCandidateTrainer.DatasetOf(spec))),
        };
        return (spec.ImageSize ?? size, channels, classes);
    }

    public ArchitectureCost Estimate(string architecture)
    {
        var genotype = GenotypeJson.Parse(architecture);
        var counts = ArchitectureStats.Count(genotype, TorchCandidateTrainer.NetworkFor(genotype, spec, imageSize, channels, classes));
        return new ArchitectureCost(counts.Params, counts.MultAdds);
    }

    private static (int, int, int) Shape(LoadedDataset data) => (data.ImageSize, data.Channels, data.Classes);
}
