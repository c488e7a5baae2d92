namespace NasNet.Core.Training;

/// <summary>
/// The complete state of a training at an epoch boundary, as one byte array: model state_dict, optimizer state
/// (momentum buffers), the number of epochs done, the data RNG, the torch CPU generator, and the running totals, so a
/// training resumed from it elsewhere ends with the same result as one that never stopped. The fingerprint (genotype
/// and settings) guards against resuming a different training.
/// </summary>
public sealed record TrainingCheckpoint(
    string Fingerprint,
    int EpochsDone,
    ulong[] DataRngState,
    byte[] TorchRngState,
    byte[] Model,
    byte[] Optimizer,
    double Seconds,
    long ImagesTrained,
    double LastLoss)
{
    private const string Magic = "NASNET-CKPT";
    private const int Version = 1;

    /// <summary>Serializes to bytes.</summary>
    public byte[] ToBytes()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write(Fingerprint);
            w.Write(EpochsDone);
            foreach (var s in DataRngState)
            {
                w.Write(s);
            }

            WriteBytes(w, TorchRngState);
            WriteBytes(w, Model);
            WriteBytes(w, Optimizer);
            w.Write(Seconds);
            w.Write(ImagesTrained);
            w.Write(LastLoss);
        }

        return ms.ToArray();
    }

    /// <summary>Reads bytes written by <see cref="ToBytes"/>; anything else is an <see cref="InvalidDataException"/>.</summary>
    public static TrainingCheckpoint FromBytes(byte[] bytes)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, writable: false));
            if (r.ReadString() != Magic)
            {
                throw new InvalidDataException("not a NasNet training checkpoint");
            }

            var version = r.ReadInt32();
            if (version != Version)
            {
                throw new InvalidDataException($"training checkpoint version {version} is not supported (expected {Version})");
            }

            return new TrainingCheckpoint(
                r.ReadString(),
                r.ReadInt32(),
                [r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64()],
                ReadBytes(r),
                ReadBytes(r),
                ReadBytes(r),
                r.ReadDouble(),
                r.ReadInt64(),
                r.ReadDouble());
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("training checkpoint is truncated");
        }
    }

    private static void WriteBytes(BinaryWriter w, byte[] b)
    {
        w.Write(b.Length);
        w.Write(b);
    }

    private static byte[] ReadBytes(BinaryReader r)
    {
        var n = r.ReadInt32();
        var b = r.ReadBytes(n);
        return b.Length == n ? b : throw new EndOfStreamException();
    }
}
