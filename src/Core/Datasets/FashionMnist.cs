namespace NasNet.Core.Datasets;

/// <summary>
/// Fashion-MNIST (28x28 grey, 10 classes, 60k train + 10k test) from its IDX files, gzip-compressed or not: from
/// <c>--data-dir</c>, else from the Debian package <c>dataset-fashion-mnist</c>'s install folder.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where <c>apt-get install dataset-fashion-mnist</c> puts the files.</summary>
    public const string DebianPackageDir = "/usr/share/datasets/fashion-mnist";

    /// <summary>Validation images held out of the 60k (paper-style 55k/5k).</summary>
    public const int DefaultValidationSize = 5000;

    /// <summary>The official class names.</summary>
    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads train and test sets; a missing file is a one-line error naming both ways to get the data.</summary>
    public static LoadedDataset Load(string? dataDir)
    {
        var dir = dataDir ?? DebianPackageDir;
        var train = IdxReader.ReadImages(Find(dir, "train-images-idx3-ubyte", dataDir), Find(dir, "train-labels-idx1-ubyte", dataDir), ClassNames.Count);
        var test = IdxReader.ReadImages(Find(dir, "t10k-images-idx3-ubyte", dataDir), Find(dir, "t10k-labels-idx1-ubyte", dataDir), ClassNames.Count);
        if (train.Height != test.Height || train.Width != test.Width)
        {
            throw new UserErrorException($"Fashion-MNIST in '{dir}' has {train.Height}x{train.Width} training but {test.Height}x{test.Width} test images; use files from the same release");
        }

        return LoadedDataset.Create("fashion-mnist", train, test, ClassNames, Augmentation.DefaultFor(DatasetKind.FashionMnist), DatasetSplits.DefaultValidationSize(DatasetKind.FashionMnist, train.Count));
    }

    /// <summary>The four IDX files' stems: training images and labels, test images and labels.</summary>
    internal static readonly IReadOnlyList<string> Stems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>The file of an IDX stem in <paramref name="dir"/> (gzip-compressed or not, either naming), or null.</summary>
    internal static string? TryFind(string dir, string stem)
    {
        foreach (var name in new[] { stem + ".gz", stem, stem.Replace("-idx", ".idx", StringComparison.Ordinal) + ".gz", stem.Replace("-idx", ".idx", StringComparison.Ordinal) })
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    private static string Find(string dir, string stem, string? given)
    {
        if (TryFind(dir, stem) is { } found)
        {
            return found;
        }

        throw new UserErrorException(given is null
            ? $"Fashion-MNIST not found ({stem}.gz is not in {DebianPackageDir}): run 'apt-get install dataset-fashion-mnist', or download the four IDX files from https://github.com/zalandoresearch/fashion-mnist and pass --data-dir"
            : $"Fashion-MNIST file {stem}(.gz) not found in '{given}': put the four IDX files from https://github.com/zalandoresearch/fashion-mnist there, or omit --data-dir after 'apt-get install dataset-fashion-mnist'");
    }
}
