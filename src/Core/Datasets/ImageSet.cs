namespace NasNet.Core.Datasets;

/// <summary>
/// Images held in memory as bytes (N x C x H x W, row-major, 0..255) with their labels: a quarter of the memory of
/// floats, normalized and augmented per batch by <see cref="BatchLoader"/>.
/// </summary>
public sealed class ImageSet
{
    /// <summary>Wraps pixels and labels; checks that the sizes agree.</summary>
    public ImageSet(byte[] pixels, int[] labels, int channels, int height, int width)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
        {
            throw new ArgumentException("image channels, height and width must be positive");
        }

        if ((long)labels.Length * channels * height * width != pixels.LongLength)
        {
            throw new ArgumentException($"{pixels.LongLength} pixel bytes do not hold {labels.Length} images of {channels}x{height}x{width}");
        }

        Pixels = pixels;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>Pixel bytes, image after image, each C x H x W.</summary>
    public byte[] Pixels { get; }

    /// <summary>Class index of each image.</summary>
    public int[] Labels { get; }

    public int Count => Labels.Length;

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Bytes per image.</summary>
    public int ImageBytes => Channels * Height * Width;

    /// <summary>An empty set of the same image shape.</summary>
    public ImageSet Empty() => new([], [], Channels, Height, Width);

    /// <summary>The images at the given indices, in that order (a copy).</summary>
    public ImageSet Select(IReadOnlyList<int> indices)
    {
        var size = ImageBytes;
        var pixels = new byte[(long)indices.Count * size];
        var labels = new int[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            Buffer.BlockCopy(Pixels, indices[i] * size, pixels, i * size, size);
            labels[i] = Labels[indices[i]];
        }

        return new ImageSet(pixels, labels, Channels, Height, Width);
    }

    /// <summary>The first <paramref name="count"/> images (all when count is larger).</summary>
    public ImageSet Take(int count) => count >= Count ? this : Select(Enumerable.Range(0, count).ToArray());

    /// <summary>Per-channel mean and standard deviation of the pixels scaled to [0, 1].</summary>
    public (float[] Mean, float[] Std) ChannelStatistics()
    {
        var mean = new float[Channels];
        var std = new float[Channels];
        if (Count == 0)
        {
            Array.Fill(std, 1f);
            return (mean, std);
        }

        var plane = Height * Width;
        for (var c = 0; c < Channels; c++)
        {
            double sum = 0, sumSq = 0;
            for (var n = 0; n < Count; n++)
            {
                var offset = ((long)n * Channels + c) * plane;
                for (var p = 0; p < plane; p++)
                {
                    double v = Pixels[offset + p];
                    sum += v;
                    sumSq += v * v;
                }
            }

            var count = (double)Count * plane;
            var m = sum / count;
            var variance = Math.Max(0, sumSq / count - m * m);
            mean[c] = (float)(m / 255.0);
            std[c] = (float)Math.Max(Math.Sqrt(variance) / 255.0, 1e-3);
        }

        return (mean, std);
    }
}
