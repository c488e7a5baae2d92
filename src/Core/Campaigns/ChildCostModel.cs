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

    /// <summary>
    /// Image size, channels and classes of a spec's dataset: known for the built-in sets; an image folder's classes are
    /// counted from its listing (<see cref="DatasetProbe"/>, no image decoded).
    /// </summary>
    public static (int ImageSize, int Channels, int Classes) ShapeOf(ChildTrainingSpec spec)
    {
        var header = spec.Dataset.Kind == DatasetKind.Folder
            ? DatasetProbe.Read(TorchCandidateTrainer.DatasetOf(spec))
            : DatasetProbe.Nominal(spec.Dataset, spec.ImageSize);
        return (spec.ImageSize ?? header.ImageSize, header.Channels, header.Classes);
    }

    public ArchitectureCost Estimate(string architecture)
    {
        var genotype = GenotypeJson.Parse(architecture);
        var counts = ArchitectureStats.Count(genotype, TorchCandidateTrainer.NetworkFor(genotype, spec, imageSize, channels, classes));
        return new ArchitectureCost(counts.Params, counts.MultAdds);
    }
}
