namespace NasNet.Core;

/// <summary>
/// A small seeded random generator (xoshiro256**) whose whole state is four 64-bit words, so strategies and
/// trainers can save and restore it exactly (System.Random's state cannot be saved).
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the state with SplitMix64, as the xoshiro authors recommend.</summary>
    public Rng(long seed)
    {
        var x = (ulong)seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private Rng(ulong[] state)
    {
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
    }

    /// <summary>The state, to save.</summary>
    public ulong[] State => [_s0, _s1, _s2, _s3];

    /// <summary>A generator continuing exactly from a saved state.</summary>
    public static Rng FromState(ulong[] state) =>
        state is { Length: 4 } ? new Rng(state) : throw new ArgumentException("an Rng state is four 64-bit words");

    /// <summary>Writes the state.</summary>
    public void Write(BinaryWriter w)
    {
        foreach (var s in State)
        {
            w.Write(s);
        }
    }

    /// <summary>Reads a state written by <see cref="Write"/>.</summary>
    public static Rng Read(BinaryReader r) => FromState([r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64()]);

    /// <summary>The next 64 random bits.</summary>
    public ulong NextULong()
    {
        var result = RotL(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotL(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int Next(int n)
    {
        if (n <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), "n must be positive");
        }

        return (int)(NextDouble() * n);
    }

    /// <summary>Standard normal (Box-Muller).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>An index drawn from unnormalised non-negative weights.</summary>
    public int NextCategorical(ReadOnlySpan<double> weights)
    {
        double total = 0;
        foreach (var w in weights)
        {
            total += w;
        }

        var u = NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            u -= weights[i];
            if (u < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    private static ulong RotL(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
