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

    /// <summary>
    /// The dimensions of an IDX file from its header alone (the first 4 + 4·n bytes, decompressed when gzip), checked
    /// against the file's data length: the file size, or for gzip the uncompressed size its trailer records. Cheap: a
    /// preflight reads the headers of a 30 MB dataset without decoding it.
    /// </summary>
    public static int[] ReadHeader(string path)
    {
        byte[] head;
        long dataBytes;
        try
        {
            using var file = File.OpenRead(path);
            var gz = file.Length >= 18 && file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
            file.Position = 0;
            if (gz)
            {
                var trailer = new byte[4];
                file.Seek(-4, SeekOrigin.End);
                file.ReadExactly(trailer);
                dataBytes = BinaryPrimitives.ReadUInt32LittleEndian(trailer); // ISIZE: uncompressed length mod 2^32
                file.Position = 0;
                using var unzip = new GZipStream(file, CompressionMode.Decompress);
                head = ReadUpTo(unzip, 20);
            }
            else
            {
                dataBytes = file.Length;
                head = ReadUpTo(file, 20);
            }
        }
        catch (InvalidDataException e)
        {
            throw new UserErrorException($"'{path}' is not a valid gzip file ({e.Message.TrimEnd('.')}); download it again");
        }

        if (head.Length < 4 || (BinaryPrimitives.ReadInt32BigEndian(head) >> 8) != 0x08)
        {
            throw new UserErrorException($"'{path}' is not an IDX file of unsigned bytes; expected e.g. train-images-idx3-ubyte(.gz)");
        }

        var nd = BinaryPrimitives.ReadInt32BigEndian(head) & 0xff;
        if (nd is < 1 or > 4 || head.Length < 4 + 4 * nd)
        {
            throw new UserErrorException($"'{path}' has a bad IDX header ({nd} dimensions); download it again");
        }

        var dims = new int[nd];
        long expected = 4 + 4 * nd;
        long product = 1;
        for (var i = 0; i < nd; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(4 + 4 * i));
            product *= Math.Max(0, dims[i]);
        }

        expected += product;
        if (dataBytes != expected && dataBytes != (expected & 0xffff_ffffL))
        {
            throw new UserErrorException($"'{path}' holds {dataBytes} bytes but its IDX header says {expected}: it is truncated or damaged; download it again");
        }

        return dims;
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

    private static byte[] ReadUpTo(Stream s, int count)
    {
        var buffer = new byte[count];
        var n = s.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        return buffer[..n];
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
