using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace NasNet.Core.Datasets;

/// <summary>
/// CIFAR-10 in its binary format (<c>data_batch_1..5.bin</c>, <c>test_batch.bin</c>; each record is 1 label byte and
/// 3072 pixel bytes, R then G then B planes of 32x32). Real use downloads <c>cifar-10-binary.tar.gz</c> once into a
/// cache folder and checks its MD5; tests write small files of their own.
/// </summary>
public static class Cifar10
{
    /// <summary>The official archive.</summary>
    public const string Url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";

    /// <summary>MD5 of the official archive.</summary>
    public const string ArchiveMd5 = "c32a1d4ab5d03f1284b67883e8d87530";

    /// <summary>Bytes per record: a label and a 3x32x32 image.</summary>
    public const int RecordBytes = 1 + ImageBytes;

    /// <summary>The paper's split: 45k training, 5k validation (the reward).</summary>
    public const int DefaultValidationSize = 5000;

    internal const int ImageBytes = 3 * 32 * 32;

    /// <summary>The official class names.</summary>
    public static readonly IReadOnlyList<string> ClassNames =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>Default cache folder: $XDG_CACHE_HOME/nasnet/cifar10 or ~/.cache/nasnet/cifar10.</summary>
    public static string DefaultCacheDir()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(root, "nasnet", "cifar10");
    }

    /// <summary>
    /// Loads the five training batches and the test batch from <paramref name="dataDir"/> (or the default cache),
    /// downloading the archive first when the files are missing and <paramref name="allowDownload"/> is set.
    /// </summary>
    public static LoadedDataset Load(string? dataDir, bool allowDownload = true)
    {
        var dir = dataDir ?? DefaultCacheDir();
        var batches = FindBatchDir(dir);
        if (batches is null)
        {
            if (!allowDownload)
            {
                throw new UserErrorException($"CIFAR-10 binary files (data_batch_1.bin .. test_batch.bin) not found in '{dir}': extract {Url} there");
            }

            Download(dir);
            batches = FindBatchDir(dir)
                ?? throw new UserErrorException($"the CIFAR-10 archive extracted into '{dir}' has no data_batch_1.bin; delete the folder and try again");
        }

        var trainFiles = Enumerable.Range(1, 5).Select(i => Path.Combine(batches, $"data_batch_{i}.bin")).ToArray();
        foreach (var f in trainFiles.Append(Path.Combine(batches, "test_batch.bin")))
        {
            if (!File.Exists(f))
            {
                throw new UserErrorException($"CIFAR-10 file '{f}' is missing: extract {Url} into '{dir}' again (or delete the folder to download it)");
            }
        }

        var train = ReadBatches(trainFiles);
        var test = ReadBatches([Path.Combine(batches, "test_batch.bin")]);
        return LoadedDataset.Create("cifar10", train, test, ClassNames, Augmentation.DefaultFor(DatasetKind.Cifar10), DatasetSplits.DefaultValidationSize(DatasetKind.Cifar10, train.Count));
    }

    /// <summary>Reads and concatenates batch files; a length that is not a whole number of records is an error naming the file.</summary>
    public static ImageSet ReadBatches(IReadOnlyList<string> files)
    {
        var contents = new List<byte[]>();
        long records = 0;
        foreach (var f in files)
        {
            var bytes = File.ReadAllBytes(f);
            if (bytes.Length == 0 || bytes.Length % RecordBytes != 0)
            {
                throw new UserErrorException($"CIFAR-10 file '{f}' is truncated or corrupt: {bytes.Length} bytes is not a whole number of {RecordBytes}-byte records; download it again");
            }

            contents.Add(bytes);
            records += bytes.Length / RecordBytes;
        }

        var pixels = new byte[records * ImageBytes];
        var labels = new int[records];
        var n = 0;
        for (var fi = 0; fi < contents.Count; fi++)
        {
            var bytes = contents[fi];
            for (var offset = 0; offset < bytes.Length; offset += RecordBytes, n++)
            {
                var label = bytes[offset];
                if (label > 9)
                {
                    throw new UserErrorException($"CIFAR-10 file '{files[fi]}' has label {label} in record {offset / RecordBytes} (labels are 0..9): the file is corrupt or not CIFAR-10; download it again");
                }

                labels[n] = label;
                Buffer.BlockCopy(bytes, offset + 1, pixels, n * ImageBytes, ImageBytes);
            }
        }

        return new ImageSet(pixels, labels, 3, 32, 32);
    }

    /// <summary>Writes records in the binary format (used by tests and tools).</summary>
    public static void WriteBatch(string path, ImageSet images)
    {
        if (images.Channels != 3 || images.Height != 32 || images.Width != 32)
        {
            throw new ArgumentException("CIFAR-10 records are 3x32x32");
        }

        using var f = File.Create(path);
        for (var i = 0; i < images.Count; i++)
        {
            f.WriteByte((byte)images.Labels[i]);
            f.Write(images.Pixels, i * ImageBytes, ImageBytes);
        }
    }

    /// <summary>The folder holding data_batch_1.bin: <paramref name="dir"/> or its cifar-10-batches-bin; null when absent.</summary>
    internal static string? FindBatchDir(string dir)
    {
        foreach (var candidate in new[] { dir, Path.Combine(dir, "cifar-10-batches-bin") })
        {
            if (File.Exists(Path.Combine(candidate, "data_batch_1.bin")))
            {
                return candidate;
            }
        }

        return null;
    }

    private static void Download(string dir)
    {
        Directory.CreateDirectory(dir);
        var archive = Path.Combine(dir, "cifar-10-binary.tar.gz");
        if (!File.Exists(archive) || Md5(archive) != ArchiveMd5)
        {
            var partial = archive + ".part";
            Console.Error.WriteLine($"downloading CIFAR-10 from {Url} into {dir} ...");
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
                using var response = http.GetAsync(Url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
                response.EnsureSuccessStatusCode();
                using (var output = File.Create(partial))
                {
                    response.Content.ReadAsStream().CopyTo(output);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                throw new UserErrorException($"could not download CIFAR-10 from {Url} ({e.Message.Split('\n')[0].TrimEnd('.')}): download it yourself and extract it into '{dir}', or pass --data-dir");
            }

            var md5 = Md5(partial);
            if (md5 != ArchiveMd5)
            {
                File.Delete(partial);
                throw new UserErrorException($"the CIFAR-10 download has MD5 {md5}, expected {ArchiveMd5}: try again, or download {Url} yourself into '{dir}'");
            }

            File.Move(partial, archive, overwrite: true);
        }

        using var file = File.OpenRead(archive);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        TarFile.ExtractToDirectory(gz, dir, overwriteFiles: true);
    }

    private static string Md5(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(MD5.HashData(f));
    }
}
