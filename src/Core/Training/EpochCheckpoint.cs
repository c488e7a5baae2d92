using System.Buffers.Binary;

namespace NasNet.Core.Training;

/// <summary>
/// The checkpoint of a trainer that holds no weights (simulated, tabular): four magic bytes naming the trainer and the
/// epoch after which it was taken, so a resume is observable and another trainer's bytes are rejected.
/// </summary>
public static class EpochCheckpoint
{
    /// <summary>The 8 bytes: <paramref name="magic"/> (4 bytes) and <paramref name="epoch"/> (int32, little-endian).</summary>
    public static byte[] Write(ReadOnlySpan<byte> magic, int epoch)
    {
        var b = new byte[8];
        magic.CopyTo(b);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), epoch);
        return b;
    }

    /// <summary>The epoch of bytes written with <paramref name="magic"/>; others are an <see cref="ArgumentException"/> naming <paramref name="trainer"/>.</summary>
    public static int Read(ReadOnlySpan<byte> magic, byte[] checkpoint, string trainer)
    {
        if (checkpoint.Length != 8 || !checkpoint.AsSpan(0, 4).SequenceEqual(magic))
        {
            throw new ArgumentException($"not a {trainer}-trainer checkpoint");
        }

        return BinaryPrimitives.ReadInt32LittleEndian(checkpoint.AsSpan(4));
    }
}
