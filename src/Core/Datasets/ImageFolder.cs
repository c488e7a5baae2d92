using SkiaSharp;

namespace NasNet.Core.Datasets;

/// <summary>What to do with an image file that cannot be decoded.</summary>
public enum UnreadableImagePolicy
{
    /// <summary>Leave it out and report its path.</summary>
    Skip,

    /// <summary>Stop with an error naming it.</summary>
    Reject,
}

/// <summary>
/// A user's own images: one sub-folder per class holding PNG/JPEG (anything SkiaSharp decodes) files, decoded to RGB
/// and resized to a square size. If the root has <c>train/</c> and <c>test/</c> sub-folders, those are the two sets;
/// otherwise every image is a training image and there is no test set.
/// </summary>
public static class ImageFolder
{
    /// <summary>Default images per side.</summary>
    public const int DefaultImageSize = 32;

    /// <summary>Smallest images per side.</summary>
    public const int MinImageSize = 4;

    /// <summary>Largest images per side.</summary>
    public const int MaxImageSize = 1024;

    /// <summary>File extensions read as images.</summary>
    internal static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp",
    };

    /// <summary>Loads the folder; class indices follow the ordinal order of the class folder names.</summary>
    public static LoadedDataset Load(string root, int? imageSize = null, UnreadableImagePolicy policy = UnreadableImagePolicy.Skip)
    {
        if (!Directory.Exists(root))
        {
            throw new UserErrorException($"image folder '{root}' does not exist: give folder:PATH with one sub-folder of images per class");
        }

        var size = imageSize ?? DefaultImageSize;
        if (size is < MinImageSize or > MaxImageSize)
        {
            throw new UserErrorException($"image size {size} is out of range: use {MinImageSize}..{MaxImageSize}");
        }

        var trainRoot = Path.Combine(root, "train");
        var testRoot = Path.Combine(root, "test");
        var split = Directory.Exists(trainRoot) && Directory.Exists(testRoot);
        var classes = ClassFolders(split ? trainRoot : root);
        if (classes.Count < 2)
        {
            throw new UserErrorException($"image folder '{(split ? trainRoot : root)}' has {classes.Count} class sub-folder(s): put each class's images in its own sub-folder (at least 2)");
        }

        var skipped = new List<string>();
        var train = Read(split ? trainRoot : root, classes, size, policy, skipped);
        var test = split ? Read(testRoot, classes, size, policy, skipped) : train.Empty();
        if (train.Count == 0)
        {
            throw new UserErrorException($"image folder '{root}' has no readable images (PNG/JPEG files in the class sub-folders)");
        }

        return LoadedDataset.Create(DatasetRef.Folder(root).ToString(), train, test, classes, Augmentation.DefaultFor(DatasetKind.Folder)) with { SkippedFiles = skipped };
    }

    /// <summary>Decodes one file to RGB bytes (C x H x W) at the given size, or null when it cannot be decoded.</summary>
    public static byte[]? Decode(string path, int size)
    {
        using var source = SKBitmap.Decode(path);
        if (source is null || source.Width <= 0 || source.Height <= 0)
        {
            return null;
        }

        using var scaled = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (!source.ScalePixels(scaled, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None)))
        {
            return null;
        }

        var rgba = scaled.Bytes;
        var plane = size * size;
        var chw = new byte[3 * plane];
        for (var p = 0; p < plane; p++)
        {
            chw[p] = rgba[4 * p];
            chw[plane + p] = rgba[4 * p + 1];
            chw[2 * plane + p] = rgba[4 * p + 2];
        }

        return chw;
    }

    /// <summary>Class sub-folders of <paramref name="dir"/>, in ordinal order (hidden folders left out).</summary>
    internal static List<string> ClassFolders(string dir) =>
        Directory.GetDirectories(dir)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(n => !n.StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static ImageSet Read(string dir, IReadOnlyList<string> classes, int size, UnreadableImagePolicy policy, List<string> skipped)
    {
        var pixels = new List<byte[]>();
        var labels = new List<int>();
        for (var c = 0; c < classes.Count; c++)
        {
            var classDir = Path.Combine(dir, classes[c]);
            if (!Directory.Exists(classDir))
            {
                continue;
            }

            foreach (var file in Directory.GetFiles(classDir).Where(f => Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal))
            {
                var image = Decode(file, size);
                if (image is null)
                {
                    if (policy == UnreadableImagePolicy.Reject)
                    {
                        throw new UserErrorException($"image '{file}' cannot be decoded: fix or remove it, or skip unreadable images");
                    }

                    skipped.Add(file);
                    continue;
                }

                pixels.Add(image);
                labels.Add(c);
            }
        }

        var all = new byte[(long)pixels.Count * 3 * size * size];
        for (var i = 0; i < pixels.Count; i++)
        {
            Buffer.BlockCopy(pixels[i], 0, all, i * 3 * size * size, 3 * size * size);
        }

        return new ImageSet(all, labels.ToArray(), 3, size, size);
    }
}
