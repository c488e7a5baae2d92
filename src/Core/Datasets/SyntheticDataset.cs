namespace NasNet.Core.Datasets;

/// <summary>
/// A small deterministic dataset for fast tests: each class has a fixed random prototype image and every sample is its
/// class prototype plus noise, so a tiny network learns it within a few steps. The same arguments give the same bytes.
/// </summary>
public static class SyntheticDataset
{
    /// <summary>Training images of the default set (what <c>synthetic</c> in a config loads).</summary>
    public const int DefaultTrain = 512;

    /// <summary>Test images of the default set.</summary>
    public const int DefaultTest = 128;

    /// <summary>Classes of the default set.</summary>
    public const int DefaultClasses = 4;

    /// <summary>Images per side of the default set (a config's image size replaces it).</summary>
    public const int DefaultImageSize = 8;

    /// <summary>Channels of the default set.</summary>
    public const int DefaultChannels = 3;

    /// <summary>Builds train and test sets.</summary>
    public static LoadedDataset Create(int train = DefaultTrain, int test = DefaultTest, int classes = DefaultClasses, int imageSize = DefaultImageSize, int channels = DefaultChannels, int seed = 1234, double noise = 48)
    {
        if (train <= 0 || test < 0 || classes < 2 || imageSize < 2 || channels < 1)
        {
            throw new ArgumentException("synthetic dataset: train > 0, test >= 0, classes >= 2, imageSize >= 2, channels >= 1");
        }

        var rng = new Rng(seed);
        var size = channels * imageSize * imageSize;
        var prototypes = new byte[classes][];
        for (var c = 0; c < classes; c++)
        {
            prototypes[c] = new byte[size];
            for (var i = 0; i < size; i++)
            {
                prototypes[c][i] = (byte)(rng.Next(2) == 0 ? 64 : 192);
            }
        }

        ImageSet Make(int count)
        {
            var pixels = new byte[count * size];
            var labels = new int[count];
            for (var n = 0; n < count; n++)
            {
                var c = n % classes;
                labels[n] = c;
                for (var i = 0; i < size; i++)
                {
                    var v = prototypes[c][i] + noise * rng.NextGaussian();
                    pixels[n * size + i] = (byte)Math.Clamp(Math.Round(v), 0, 255);
                }
            }

            return new ImageSet(pixels, labels, channels, imageSize, imageSize);
        }

        var names = Enumerable.Range(0, classes).Select(c => $"class{c}").ToArray();
        return LoadedDataset.Create("synthetic", Make(train), Make(test), names, Augmentation.DefaultFor(DatasetKind.Synthetic));
    }
}
