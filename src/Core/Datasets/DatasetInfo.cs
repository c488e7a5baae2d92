namespace NasNet.Core.Datasets;

/// <summary>How a dataset's training images are augmented per batch.</summary>
/// <param name="CropPadding">Zero padding on each side before a random crop back to the image size (0 = no crop).</param>
/// <param name="HorizontalFlip">Random left-right flips.</param>
public sealed record Augmentation(int CropPadding, bool HorizontalFlip)
{
    /// <summary>No augmentation.</summary>
    public static readonly Augmentation None = new(0, false);

    /// <summary>CIFAR's: pad 4 and crop 32, random flip (the paper upsamples to 40 and crops 32, the same thing).</summary>
    public static readonly Augmentation CifarStandard = new(4, true);
}

/// <summary>
/// A loaded dataset: the training set (validation is held out of it by <see cref="DatasetSplits"/>), the test set (final
/// reports only), the class names and the per-channel normalization computed on the training images.
/// </summary>
public sealed record LoadedDataset(
    string Name,
    ImageSet Train,
    ImageSet Test,
    IReadOnlyList<string> ClassNames,
    float[] Mean,
    float[] Std,
    Augmentation Augmentation,
    int DefaultValidationSize)
{
    public int Classes => ClassNames.Count;

    /// <summary>Files that could not be read and were skipped (image folders), with the reason.</summary>
    public IReadOnlyList<string> SkippedFiles { get; init; } = [];

    public int Channels => Train.Channels;

    /// <summary>Images per side (datasets here are square).</summary>
    public int ImageSize => Train.Height;

    /// <summary>Builds the record, computing the normalization on the training images.</summary>
    public static LoadedDataset Create(string name, ImageSet train, ImageSet test, IReadOnlyList<string> classNames, Augmentation augmentation, int? defaultValidationSize = null)
    {
        var (mean, std) = train.ChannelStatistics();
        return new LoadedDataset(name, train, test, classNames, mean, std, augmentation, defaultValidationSize ?? Math.Max(1, train.Count / 10));
    }
}
