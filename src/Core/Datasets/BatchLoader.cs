using TorchSharp;
using static TorchSharp.torch;

namespace NasNet.Core.Datasets;

/// <summary>
/// Turns images of an <see cref="ImageSet"/> into normalized float batches on a device, with the dataset's
/// augmentation (random crop of the zero-padded image, horizontal flip, cutout) drawn from a caller's
/// <see cref="Rng"/>, so the data side of a training is reproducible and can be checkpointed.
/// </summary>
public sealed class BatchLoader
{
    private readonly ImageSet _set;
    private readonly float[][] _lookup;

    /// <summary>Batches from <paramref name="set"/> normalized with the dataset's statistics.</summary>
    public BatchLoader(LoadedDataset data, ImageSet set)
    {
        _set = set;
        _lookup = new float[set.Channels][];
        for (var c = 0; c < set.Channels; c++)
        {
            _lookup[c] = new float[256];
            for (var v = 0; v < 256; v++)
            {
                _lookup[c][v] = (v / 255f - data.Mean[c]) / data.Std[c];
            }
        }
    }

    /// <summary>
    /// The batch of images <c>indices[start .. start+count)</c>: X (count x C x H x W, float32) and Y (count, int64),
    /// created in the caller's dispose scope. Augmentation applies when <paramref name="augmentation"/> is not null or none.
    /// </summary>
    public (Tensor X, Tensor Y) Batch(IReadOnlyList<int> indices, int start, int count, Device device, Augmentation? augmentation = null, Rng? rng = null)
    {
        var c = _set.Channels;
        var h = _set.Height;
        var w = _set.Width;
        var plane = h * w;
        var size = c * plane;
        var x = new float[count * size];
        var y = new long[count];
        var augment = augmentation is { IsNone: false };
        var cutout = augmentation?.Cutout ?? 0;
        if (augment && rng is null)
        {
            throw new ArgumentException("augmentation needs an Rng");
        }

        for (var b = 0; b < count; b++)
        {
            var index = indices[start + b];
            y[b] = _set.Labels[index];
            var src = index * size;
            var dst = b * size;
            int dx = 0, dy = 0;
            var flip = false;
            if (augment)
            {
                var pad = augmentation!.Crop;
                if (pad > 0)
                {
                    dy = rng!.Next(2 * pad + 1) - pad;
                    dx = rng.Next(2 * pad + 1) - pad;
                }

                flip = augmentation.Flip && rng!.Next(2) == 1;
            }

            for (var ch = 0; ch < c; ch++)
            {
                var table = _lookup[ch];
                var zero = table[0];
                for (var row = 0; row < h; row++)
                {
                    var sr = row + dy;
                    for (var col = 0; col < w; col++)
                    {
                        var sc = (flip ? w - 1 - col : col) + dx;
                        x[dst + ch * plane + row * w + col] = sr >= 0 && sr < h && sc >= 0 && sc < w
                            ? table[_set.Pixels[src + ch * plane + sr * w + sc]]
                            : zero;
                    }
                }
            }

            if (augment && cutout > 0)
            {
                // DeVries & Taylor: a cutout x cutout square (clipped at the border) set to 0 after normalization.
                var cy = rng!.Next(h);
                var cx = rng.Next(w);
                for (var row = Math.Max(0, cy - cutout / 2); row < Math.Min(h, cy + (cutout + 1) / 2); row++)
                {
                    for (var col = Math.Max(0, cx - cutout / 2); col < Math.Min(w, cx + (cutout + 1) / 2); col++)
                    {
                        for (var ch = 0; ch < c; ch++)
                        {
                            x[dst + ch * plane + row * w + col] = 0f;
                        }
                    }
                }
            }
        }

        var xt = tensor(x, [count, c, h, w]);
        var yt = tensor(y);
        if (device.type != DeviceType.CPU)
        {
            xt = xt.to(device);
            yt = yt.to(device);
        }

        return (xt, yt);
    }
}
