using NasNet.Core.Datasets;

namespace NasNet.Core.Tests.Datasets;

public class Cifar10Tests
{
    private static ImageSet Records(int n, int salt)
    {
        var pixels = Enumerable.Range(0, n * 3072).Select(i => (byte)((i * 31 + salt) % 251)).ToArray();
        var labels = Enumerable.Range(0, n).Select(i => (i + salt) % 10).ToArray();
        return new ImageSet(pixels, labels, 3, 32, 32);
    }

    private static void WriteRelease(string dir, int perBatch)
    {
        for (var b = 1; b <= 5; b++)
        {
            Cifar10.WriteBatch(Path.Combine(dir, $"data_batch_{b}.bin"), Records(perBatch, b));
        }

        Cifar10.WriteBatch(Path.Combine(dir, "test_batch.bin"), Records(perBatch, 9));
    }

    [Fact]
    public void Cifar10_WrittenBatches_LoadsAllRecordsInOrder()
    {
        using var dir = new TempDir();
        WriteRelease(dir.Path, 4);

        var data = Cifar10.Load(dir.Path, allowDownload: false);

        Assert.Equal(20, data.Train.Count);
        Assert.Equal(4, data.Test.Count);
        Assert.Equal((3, 32), (data.Channels, data.ImageSize));
        var third = Records(4, 3);
        Assert.Equal(third.Labels[1], data.Train.Labels[9]); // batch 3, record 1
        Assert.Equal(third.Pixels.AsSpan(3072, 3072).ToArray(), data.Train.Pixels.AsSpan(9 * 3072, 3072).ToArray());
        Assert.Equal(Augmentation.CifarStandard, data.Augmentation);
    }

    [Fact]
    public void Cifar10_BatchesInSubfolder_AreFound()
    {
        using var dir = new TempDir();
        var sub = Directory.CreateDirectory(dir.File("cifar-10-batches-bin")).FullName;
        WriteRelease(sub, 2);

        Assert.Equal(10, Cifar10.Load(dir.Path, allowDownload: false).Train.Count);
    }

    [Fact]
    public void Cifar10_TruncatedBatch_ThrowsOneLineErrorNamingFile()
    {
        using var dir = new TempDir();
        WriteRelease(dir.Path, 3);
        var path = dir.File("data_batch_4.bin");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..(2 * 3073 + 100)]);

        var e = Assert.Throws<UserErrorException>(() => Cifar10.Load(dir.Path, allowDownload: false));

        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Cifar10_BadLabel_ThrowsNamingFile()
    {
        using var dir = new TempDir();
        WriteRelease(dir.Path, 2);
        var path = dir.File("test_batch.bin");
        var bytes = File.ReadAllBytes(path);
        bytes[3073] = 42;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<UserErrorException>(() => Cifar10.Load(dir.Path, allowDownload: false));

        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Cifar10_MissingFilesWithoutDownload_ThrowsNamingFolder()
    {
        using var dir = new TempDir();

        var e = Assert.Throws<UserErrorException>(() => Cifar10.Load(dir.Path, allowDownload: false));

        Assert.Contains(dir.Path, e.Message);
    }
}
