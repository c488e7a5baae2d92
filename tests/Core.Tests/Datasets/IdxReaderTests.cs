using System.Buffers.Binary;
using System.IO.Compression;
using NasNet.Core.Datasets;

namespace NasNet.Core.Tests.Datasets;

public class IdxReaderTests
{
    internal static byte[] Idx(byte[] data, params int[] dims)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x0800 | dims.Length);
        for (var i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        }

        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    internal static void WriteGz(string path, byte[] bytes)
    {
        using var f = File.Create(path);
        using var gz = new GZipStream(f, CompressionLevel.Fastest);
        gz.Write(bytes);
    }

    /// <summary>Writes a tiny Fashion-MNIST release: n training and m test images of 28x28, pixel = (index*7 + p) % 256.</summary>
    internal static void WriteFashion(string dir, int n, int m, bool gz)
    {
        void Write(string stem, byte[] bytes)
        {
            if (gz)
            {
                WriteGz(Path.Combine(dir, stem + ".gz"), bytes);
            }
            else
            {
                File.WriteAllBytes(Path.Combine(dir, stem), bytes);
            }
        }

        byte[] Pixels(int count) => Enumerable.Range(0, count * 784).Select(i => (byte)((i / 784 * 7 + i % 784) % 256)).ToArray();
        byte[] Labels(int count) => Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray();
        Write("train-images-idx3-ubyte", Idx(Pixels(n), n, 28, 28));
        Write("train-labels-idx1-ubyte", Idx(Labels(n), n));
        Write("t10k-images-idx3-ubyte", Idx(Pixels(m), m, 28, 28));
        Write("t10k-labels-idx1-ubyte", Idx(Labels(m), m));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FashionMnist_WrittenIdxFiles_LoadsImagesAndLabels(bool gz)
    {
        using var dir = new TempDir();
        WriteFashion(dir.Path, 30, 12, gz);

        var data = FashionMnist.Load(dir.Path);

        Assert.Equal(30, data.Train.Count);
        Assert.Equal(12, data.Test.Count);
        Assert.Equal((1, 28, 28), (data.Channels, data.Train.Height, data.Train.Width));
        Assert.Equal(10, data.Classes);
        Assert.Equal(7, data.Train.Labels[17]);
        Assert.Equal((byte)((5 * 7 + 100) % 256), data.Train.Pixels[5 * 784 + 100]);
        Assert.Equal(3, data.DefaultValidationSize); // 10% of a tiny set, 5000 of the real one
    }

    [Fact]
    public void IdxReader_TruncatedGzipFile_ThrowsOneLineErrorNamingFile()
    {
        using var dir = new TempDir();
        WriteFashion(dir.Path, 30, 12, gz: true);
        var path = dir.File("train-images-idx3-ubyte.gz");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<UserErrorException>(() => FashionMnist.Load(dir.Path));

        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void IdxReader_TruncatedRawFile_ThrowsOneLineErrorNamingFile()
    {
        using var dir = new TempDir();
        var path = dir.File("x-idx3-ubyte");
        File.WriteAllBytes(path, Idx(new byte[100], 1, 28, 28));

        var e = Assert.Throws<UserErrorException>(() => IdxReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void IdxReader_LabelCountDiffersFromImages_ThrowsNamingBothFiles()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("i"), Idx(new byte[2 * 16], 2, 4, 4));
        File.WriteAllBytes(dir.File("l"), Idx(new byte[3], 3));

        var e = Assert.Throws<UserErrorException>(() => IdxReader.ReadImages(dir.File("i"), dir.File("l"), 10));

        Assert.Contains(dir.File("i"), e.Message);
        Assert.Contains(dir.File("l"), e.Message);
    }

    [Fact]
    public void FashionMnist_MissingFiles_ErrorNamesBothWaysToGetThem()
    {
        using var dir = new TempDir();

        var e = Assert.Throws<UserErrorException>(() => FashionMnist.Load(dir.Path));

        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("https://github.com/zalandoresearch/fashion-mnist", e.Message);
        Assert.Contains(dir.Path, e.Message);
    }
}
