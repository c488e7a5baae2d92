using System.Text.Json.Serialization;

namespace NasNet.Core.Datasets;

/// <summary>
/// How training images are augmented per batch, as the user chooses it (config <c>child.augment</c>, <c>arch train
/// --crop/--flip/--cutout</c>). A field left out is off: nothing is flipped, cropped or cut out unless asked for.
/// Defaults per dataset (<see cref="DefaultFor"/>): CIFAR-10 crop 4 + flip (the paper's); Fashion-MNIST, synthetic and
/// image folders none — a user's digits, text, documents or scans must not be mirrored unless the user asks (UCI
/// digits, 4 epochs: 42 % test accuracy with crop + flip, 89 % without; issue 9).
/// </summary>
/// <param name="Crop">Zero padding in pixels on each side before a random crop back to the image size (0 = no crop).</param>
/// <param name="Flip">Random left-right flips.</param>
/// <param name="Cutout">Side in pixels of a random square set to zero after normalisation (DeVries and Taylor; 0 = off).</param>
public sealed record Augmentation(int Crop = 0, bool Flip = false, int Cutout = 0)
{
    /// <summary>No augmentation.</summary>
    public static readonly Augmentation None = new();

    /// <summary>CIFAR's: pad 4 and crop 32, random flip (the paper upsamples to 40 and crops 32, the same thing).</summary>
    public static readonly Augmentation CifarStandard = new(4, true);

    /// <summary>True when nothing is changed.</summary>
    [JsonIgnore]
    public bool IsNone => Crop == 0 && !Flip && Cutout == 0;

    /// <summary>The augmentation a dataset gets when the user names none.</summary>
    public static Augmentation DefaultFor(DatasetKind kind) => kind == DatasetKind.Cifar10 ? CifarStandard : None;

    /// <summary>Checks the fields (one-line error naming <paramref name="path"/>.crop etc.).</summary>
    public Augmentation Validate(string path = "augment")
    {
        ConfigCheck.Range($"{path}.crop", Crop, 0, 512);
        ConfigCheck.Range($"{path}.cutout", Cutout, 0, 1024);
        return this;
    }

    /// <summary>"crop 4, flip, cutout 16" or "none".</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Crop > 0)
        {
            parts.Add($"crop {Crop}");
        }

        if (Flip)
        {
            parts.Add("flip");
        }

        if (Cutout > 0)
        {
            parts.Add($"cutout {Cutout}");
        }

        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }
}

/// <summary>
/// A loaded dataset: the training set (validation is held out of it by <see cref="DatasetSplits"/>), the test set (final
/// reports only), the class names, the per-channel normalization computed on the training images and the dataset's
/// default augmentation (<see cref="Augmentation.DefaultFor"/>; a spec's own augmentation replaces it).
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
        return new LoadedDataset(name, train, test, classNames, mean, std, augmentation, defaultValidationSize ?? DatasetSplits.DefaultValidationSize(DatasetKind.Folder, train.Count));
    }
}
