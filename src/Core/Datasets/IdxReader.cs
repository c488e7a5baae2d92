using System.Buffers.Binary;
using System.IO.Compression;

namespace NasNet.Core.Datasets;

/// <summary>
/// Reads the IDX format of MNIST and Fashion-MNIST (gzip-compressed or not): a big-endian magic 0x000008nn (unsigned
/// bytes, nn dimensions), the dimensions as big-endian int32, then the raw bytes. Any inconsistency is a one-line
/// <see cref="UserErrorException"/> naming the file.
/// </summary>
public static class IdxReader
{
    /// <summary>The dimensions and the data bytes of an IDX file.</summary>
    public static (int[] Dims, byte[] Data) Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = ReadAll(path);
        }
        catch (InvalidDataException e)
        {
            throw new UserErrorException($"'{path}' is not a valid gzip file ({e.Message.TrimEnd('.')}); download it again");
        }
        catch (EndOfStreamException)
        {
            throw new UserErrorException($"'{path}' is truncated (the gzip stream ends early); download it again");
        }

        if (bytes.Length < 4)
        {
            throw new UserErrorException($"'{path}' is truncated ({bytes.Length} bytes, no IDX header); download it again");
        }

        var magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if ((magic >> 8) != 0x08)
        {
            throw new UserErrorException($"'{path}' is not an IDX file of unsigned bytes (magic 0x{magic:x8}); expected e.g. train-images-idx3-ubyte(.gz)");
        }

        var nd = magic & 0xff;
        if (nd is < 1 or > 4 || bytes.Length < 4 + 4 * nd)
        {
            throw new UserErrorException($"'{path}' has a bad IDX header ({nd} dimensions in {bytes.Length} bytes); download it again");
        }

        var dims = new int[nd];
        long expected = 1;
        for (var i = 0; i < nd; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (dims[i] < 0)
            {
                throw new UserErrorException($"'{path}' has a negative IDX dimension; download it again");
            }

            expected *= dims[i];
        }

        var header = 4 + 4 * nd;
        var have = bytes.LongLength - header;
        if (have < expected)
        {
            throw new UserErrorException($"'{path}' is truncated: {have} data bytes, the header says {expected}; download it again");
        }

        if (have > expected)
        {
            throw new UserErrorException($"'{path}' has {have - expected} bytes past the end the header gives; download it again");
        }

        return (dims, bytes.AsSpan(header).ToArray());
    }

    /// <summary>Images from an idx3 file and labels from an idx1 file, checked against each other.</summary>
    public static ImageSet ReadImages(string imagesPath, string labelsPath, int classes)
    {
        var (dims, pixels) = Read(imagesPath);
        if (dims.Length != 3)
        {
            throw new UserErrorException($"'{imagesPath}' holds {dims.Length}-dimensional data, not images (idx3); check the file names");
        }

        var (labelDims, labelBytes) = Read(labelsPath);
        if (labelDims.Length != 1)
        {
            throw new UserErrorException($"'{labelsPath}' holds {labelDims.Length}-dimensional data, not labels (idx1); check the file names");
        }

        if (labelDims[0] != dims[0])
        {
            throw new UserErrorException($"'{labelsPath}' has {labelDims[0]} labels but '{imagesPath}' has {dims[0]} images; use files from the same release");
        }

        var labels = new int[labelBytes.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = labelBytes[i];
            if (labels[i] >= classes)
            {
                throw new UserErrorException($"'{labelsPath}' has label {labels[i]} at index {i}, but there are {classes} classes; download it again");
            }
        }

        return new ImageSet(pixels, labels, 1, dims[1], dims[2]);
    }

    private static byte[] ReadAll(string path)
    {
        using var file = File.OpenRead(path);
        var gz = file.Length >= 2 && file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using var buffer = new MemoryStream();
        if (gz)
        {
            using var unzip = new GZipStream(file, CompressionMode.Decompress);
            unzip.CopyTo(buffer);
        }
        else
        {
            file.CopyTo(buffer);
        }

        return buffer.ToArray();
    }
}
