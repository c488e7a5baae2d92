using NasNet.Core.Datasets;
using TorchSharp;

namespace NasNet.Core.Tests.Datasets;

public class SplitsAndBatchesTests
{
    [Fact]
    public void Synthetic_SameArguments_SameBytes()
    {
        var a = SyntheticDataset.Create(train: 20, test: 4);
        var b = SyntheticDataset.Create(train: 20, test: 4);

        Assert.Equal(a.Train.Pixels, b.Train.Pixels);
        Assert.Equal(a.Test.Labels, b.Test.Labels);
        Assert.NotEqual(a.Train.Pixels, SyntheticDataset.Create(train: 20, test: 4, seed: 7).Train.Pixels);
    }

    [Fact]
    public void Splits_FixedSeed_DisjointDeterministicAndLimited()
    {
        var data = SyntheticDataset.Create(train: 100, test: 10);

        var a = DatasetSplits.Create(data, validationSize: 10, trainLimit: 50);
        var b = DatasetSplits.Create(data, validationSize: 10);

        Assert.Equal(10, a.ValidationIndices.Length);
        Assert.Equal(50, a.TrainIndices.Length);
        Assert.Equal(90, b.TrainIndices.Length);
        Assert.Empty(a.TrainIndices.Intersect(a.ValidationIndices));
        Assert.Equal(a.ValidationIndices, b.ValidationIndices);
        Assert.Equal(a.TrainIndices, b.TrainIndices[..50]);
        Assert.Equal(100, b.TrainIndices.Concat(b.ValidationIndices).Distinct().Count());
    }

    [Fact]
    public void Splits_ValidationAsLargeAsTheSet_ThrowsUserError()
    {
        var data = SyntheticDataset.Create(train: 10, test: 2);

        Assert.Throws<UserErrorException>(() => DatasetSplits.Create(data, validationSize: 10));
    }

    [Fact]
    public void BatchLoader_NoAugmentation_NormalizesPerChannel()
    {
        using var scope = torch.NewDisposeScope();
        var data = SyntheticDataset.Create(train: 8, test: 2, imageSize: 4, channels: 2);
        var loader = new BatchLoader(data, data.Train);

        var (x, y) = loader.Batch([3, 5], 0, 2, torch.CPU);

        Assert.Equal([2L, 2, 4, 4], x.shape);
        Assert.Equal(data.Train.Labels[5], (int)y[1].item<long>());
        var expected = (data.Train.Pixels[5 * 32 + 16 + 7] / 255f - data.Mean[1]) / data.Std[1];
        Assert.Equal(expected, x[1, 1, 1, 3].item<float>(), 5);
        // Over the whole training set each channel is ~N(0,1).
        var (all, _) = loader.Batch(Enumerable.Range(0, 8).ToArray(), 0, 8, torch.CPU);
        Assert.Equal(0.0, all[.., 0].mean().item<float>(), 3);
        Assert.Equal(1.0, all[.., 0].std(unbiased: false).item<float>(), 2);
    }

    [Fact]
    public void BatchLoader_FlipOnly_MirrorsSomeImagesAndKeepsTheOthers()
    {
        using var scope = torch.NewDisposeScope();
        var data = SyntheticDataset.Create(train: 64, test: 2, imageSize: 4, channels: 1);
        var loader = new BatchLoader(data, data.Train);
        var all = Enumerable.Range(0, 64).ToArray();
        var (plain, _) = loader.Batch(all, 0, 64, torch.CPU);

        var (aug, _) = loader.Batch(all, 0, 64, torch.CPU, new Augmentation(0, true), rng: new Rng(3));

        var same = 0;
        var mirrored = 0;
        for (var i = 0; i < 64; i++)
        {
            same += plain[i].eq(aug[i]).all().item<bool>() ? 1 : 0;
            mirrored += plain[i].flip(2).eq(aug[i]).all().item<bool>() ? 1 : 0;
        }

        Assert.Equal(64, same + mirrored);
        Assert.InRange(mirrored, 16, 48);
    }

    [Fact]
    public void BatchLoader_CropPadding_ShiftsImageAndPadsWithBlack()
    {
        using var scope = torch.NewDisposeScope();
        var data = SyntheticDataset.Create(train: 32, test: 2, imageSize: 8, channels: 1);
        var loader = new BatchLoader(data, data.Train);
        var all = Enumerable.Range(0, 32).ToArray();

        var (aug, _) = loader.Batch(all, 0, 32, torch.CPU, new Augmentation(2, false), rng: new Rng(5));

        var black = (0f - data.Mean[0]) / data.Std[0];
        var padded = aug.eq(black).sum().item<long>();
        Assert.True(padded > 0, "some crops reach into the zero padding");
    }

    [Fact]
    public void Catalog_SameSpec_LoadsOnce()
    {
        var a = DatasetCatalog.Load(new DatasetSpec("synthetic", ImageSize: 6));
        var b = DatasetCatalog.Load(new DatasetSpec("SYNTHETIC", ImageSize: 6));

        Assert.Same(a, b);
        Assert.Throws<UserErrorException>(() => DatasetCatalog.Load(new DatasetSpec("imagenet")));
    }
}
