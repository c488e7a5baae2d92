using SkiaSharp;

namespace NasNet.Core.Datasets;

/// <summary>What a dataset holds, known without loading its images.</summary>
/// <param name="Name">The dataset's name (fashion-mnist, cifar10, synthetic, folder:PATH).</param>
/// <param name="TrainImages">Training images (validation is held out of them).</param>
/// <param name="TestImages">Test images (0 when the dataset has no test set).</param>
/// <param name="Classes">Classes (0 when not known without reading, <see cref="DatasetProbe.Nominal"/> of a folder).</param>
/// <param name="Channels">Channels per image.</param>
/// <param name="ImageSize">Images per side as trained (after resizing for folders).</param>
/// <param name="DefaultValidationSize">Validation images held out when the user gives no size.</param>
public sealed record DatasetHeader(string Name, int TrainImages, int TestImages, int Classes, int Channels, int ImageSize, int DefaultValidationSize);

/// <summary>
/// Reads what a dataset holds from headers and directory listings only — IDX headers, CIFAR-10 file lengths, folder
/// listings and one image header per class — so a campaign's data can be checked in milliseconds before anything
/// starts. Problems are one-line <see cref="UserErrorException"/>s in config terms (<c>dataset.dir</c>,
/// <c>dataset.kind</c>) with the fix.
/// </summary>
public static class DatasetProbe
{
    /// <summary>The dataset's header, read from its files.</summary>
    public static DatasetHeader Read(DatasetSpec spec) => spec.Dataset.Kind switch
    {
        DatasetKind.FashionMnist => FashionMnistHeader(spec.DataDir),
        DatasetKind.Cifar10 => Cifar10Header(spec.DataDir),
        DatasetKind.Folder => FolderHeader(spec.Dataset.Path!, spec.ImageSize, spec.Unreadable),
        _ => Nominal(spec.Dataset, spec.ImageSize),
    };

    /// <summary>
    /// The header a dataset has when its files are as published (no file read): Fashion-MNIST 60k/10k 1x28x28,
    /// CIFAR-10 50k/10k 3x32x32, the synthetic set; an image folder's counts and classes are unknown (0).
    /// </summary>
    public static DatasetHeader Nominal(DatasetRef dataset, int? imageSize = null) => dataset.Kind switch
    {
        DatasetKind.FashionMnist => Header(dataset, 60_000, 10_000, FashionMnist.ClassNames.Count, 1, 28),
        DatasetKind.Cifar10 => Header(dataset, 50_000, 10_000, Cifar10.ClassNames.Count, 3, 32),
        DatasetKind.Synthetic => Header(dataset, SyntheticDataset.DefaultTrain, SyntheticDataset.DefaultTest, SyntheticDataset.DefaultClasses, SyntheticDataset.DefaultChannels, imageSize ?? SyntheticDataset.DefaultImageSize),
        _ => Header(dataset, 0, 0, 0, 3, imageSize ?? ImageFolder.DefaultImageSize),
    };

    private static DatasetHeader Header(DatasetRef dataset, int train, int test, int classes, int channels, int size) =>
        new(dataset.ToString(), train, test, classes, channels, size, DatasetSplits.DefaultValidationSize(dataset.Kind, train));

    private static DatasetHeader FashionMnistHeader(string? dataDir)
    {
        var dir = dataDir ?? FashionMnist.DebianPackageDir;
        if (dataDir is not null && !Directory.Exists(dataDir))
        {
            throw new UserErrorException($"dataset.dir '{dataDir}' does not exist: point it at the folder with Fashion-MNIST's four IDX files, or remove it after 'apt-get install dataset-fashion-mnist'");
        }

        var files = new string[FashionMnist.Stems.Count];
        for (var i = 0; i < files.Length; i++)
        {
            files[i] = FashionMnist.TryFind(dir, FashionMnist.Stems[i]) ?? throw new UserErrorException(dataDir is null
                ? $"dataset fashion-mnist is not installed ({FashionMnist.Stems[i]}.gz is not in {FashionMnist.DebianPackageDir}): run 'apt-get install dataset-fashion-mnist', or set dataset.dir to a folder with the four IDX files"
                : $"dataset.dir '{dataDir}' has no Fashion-MNIST file {FashionMnist.Stems[i]}(.gz): put the four IDX files from https://github.com/zalandoresearch/fashion-mnist there, or remove dataset.dir after 'apt-get install dataset-fashion-mnist'");
        }

        var dims = files.Select(IdxReader.ReadHeader).ToArray();
        for (var set = 0; set < 2; set++)
        {
            var (images, labels) = (dims[2 * set], dims[2 * set + 1]);
            if (images.Length != 3 || labels.Length != 1 || images[0] != labels[0])
            {
                throw new UserErrorException($"'{files[2 * set]}' and '{files[2 * set + 1]}' are not an image file and its label file of the same release (dimensions {string.Join("x", images)} and {string.Join("x", labels)}); download them again");
            }
        }

        if (dims[0][1] != dims[2][1] || dims[0][2] != dims[2][2] || dims[0][1] != dims[0][2])
        {
            throw new UserErrorException($"Fashion-MNIST in '{dir}' has {dims[0][1]}x{dims[0][2]} training but {dims[2][1]}x{dims[2][2]} test images; use files from the same release");
        }

        return new DatasetHeader(WireEnum.Name(DatasetKind.FashionMnist), dims[0][0], dims[2][0], FashionMnist.ClassNames.Count, 1, dims[0][1], DatasetSplits.DefaultValidationSize(DatasetKind.FashionMnist, dims[0][0]));
    }

    private static DatasetHeader Cifar10Header(string? dataDir)
    {
        var dir = dataDir ?? Cifar10.DefaultCacheDir();
        if (Cifar10.FindBatchDir(dir) is not { } batches)
        {
            return Nominal(DatasetRef.Cifar10); // the first trainer downloads it into the cache (MD5-checked)
        }

        int Records(string file)
        {
            var path = Path.Combine(batches, file);
            var length = File.Exists(path) ? new FileInfo(path).Length : -1;
            if (length <= 0 || length % Cifar10.RecordBytes != 0)
            {
                throw new UserErrorException(length < 0
                    ? $"CIFAR-10 file '{path}' is missing: extract {Cifar10.Url} into '{dir}' again (or delete the folder to download it)"
                    : $"CIFAR-10 file '{path}' is truncated or corrupt: {length} bytes is not a whole number of {Cifar10.RecordBytes}-byte records; download it again");
            }

            return (int)(length / Cifar10.RecordBytes);
        }

        var train = Enumerable.Range(1, 5).Sum(i => Records($"data_batch_{i}.bin"));
        var test = Records("test_batch.bin");
        return new DatasetHeader(WireEnum.Name(DatasetKind.Cifar10), train, test, Cifar10.ClassNames.Count, 3, 32, DatasetSplits.DefaultValidationSize(DatasetKind.Cifar10, train));
    }

    private static DatasetHeader FolderHeader(string root, int? imageSize, UnreadableImagePolicy policy)
    {
        var name = DatasetRef.Folder(root).ToString();
        if (!Directory.Exists(root))
        {
            throw new UserErrorException($"dataset.kind {name}: the folder does not exist: give folder:PATH with one sub-folder of images per class");
        }

        var trainRoot = Path.Combine(root, "train");
        var testRoot = Path.Combine(root, "test");
        var split = Directory.Exists(trainRoot) && Directory.Exists(testRoot);
        var classRoot = split ? trainRoot : root;
        var classes = ImageFolder.ClassFolders(classRoot);
        if (classes.Count < 2)
        {
            throw new UserErrorException($"dataset.kind {name}: '{classRoot}' has {classes.Count} class sub-folder(s): put each class's images in its own sub-folder (at least 2)");
        }

        int Count(string dir, bool probe)
        {
            var total = 0;
            foreach (var c in classes)
            {
                var classDir = Path.Combine(dir, c);
                if (!Directory.Exists(classDir))
                {
                    continue;
                }

                var files = Directory.EnumerateFiles(classDir).Where(f => ImageFolder.Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal).ToList();
                total += files.Count;
                if (probe && files.Count > 0)
                {
                    using var codec = SKCodec.Create(files[0]);
                    if (codec is null && policy == UnreadableImagePolicy.Reject)
                    {
                        throw new UserErrorException($"image '{files[0]}' cannot be decoded: fix or remove it, or skip unreadable images (child.unreadableImages skip)");
                    }
                }
            }

            return total;
        }

        var train = Count(classRoot, probe: true);
        if (train == 0)
        {
            throw new UserErrorException($"dataset.kind {name}: no images (PNG/JPEG files) in the class sub-folders of '{classRoot}'");
        }

        var test = split ? Count(testRoot, probe: false) : 0;
        var size = imageSize ?? ImageFolder.DefaultImageSize;
        return new DatasetHeader(name, train, test, classes.Count, 3, size, DatasetSplits.DefaultValidationSize(DatasetKind.Folder, train));
    }
}
