using NasNet.Core.SearchSpace;

namespace NasNet.Core.Controller;

/// <summary>Helpers for the strategies' state bytes: a kind and space header, int arrays and length-prefixed blobs.</summary>
internal static class StrategyState
{
    private const string Magic = "nasnet-strategy";

    /// <summary>Format 2 adds the search space's name after the kind; format 1 (no name) was always "nasnet".</summary>
    private const int FormatVersion = 2;

    public static void WriteHeader(BinaryWriter w, string kind, ISearchSpace space)
    {
        w.Write(Magic);
        w.Write(FormatVersion);
        w.Write(kind);
        w.Write(space.Name);
    }

    /// <summary>
    /// Checks the header; a state of another kind, space or format is a user error (wrong config for a checkpoint).
    /// </summary>
    public static void ReadHeader(BinaryReader r, string kind, ISearchSpace space)
    {
        string magic;
        try
        {
            magic = r.ReadString();
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            throw new UserErrorException("the saved strategy state is empty or truncated: start the campaign afresh or restore a complete checkpoint");
        }

        if (magic != Magic)
        {
            throw new UserErrorException("the saved strategy state is not a NasNet strategy checkpoint: restore a checkpoint written by this version");
        }

        var version = r.ReadInt32();
        if (version is not (1 or FormatVersion))
        {
            throw new UserErrorException($"the saved strategy state has format {version}, this build reads 1..{FormatVersion}: restore with a matching build");
        }

        var saved = r.ReadString();
        if (saved != kind)
        {
            throw new UserErrorException($"the saved strategy state is for '{saved}', not '{kind}': set strategy.kind to '{saved}' to resume this campaign");
        }

        var savedSpace = version == 1 ? CellSearchSpace.SpaceName : r.ReadString();
        if (savedSpace != space.Name)
        {
            throw new UserErrorException($"the saved strategy state searches the '{savedSpace}' space, not '{space.Name}': set searchSpace to '{savedSpace}' to resume this campaign");
        }
    }

    public static void WriteInts(BinaryWriter w, int[] values)
    {
        w.Write(values.Length);
        foreach (var v in values)
        {
            w.Write(v);
        }
    }

    public static int[] ReadInts(BinaryReader r)
    {
        var n = r.ReadInt32();
        if (n < 0 || n > 1 << 20)
        {
            throw new InvalidDataException($"bad array length {n}");
        }

        var values = new int[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = r.ReadInt32();
        }

        return values;
    }

    public static void WriteBlob(BinaryWriter w, byte[] blob)
    {
        w.Write(blob.Length);
        w.Write(blob);
    }

    public static byte[] ReadBlob(BinaryReader r)
    {
        var n = r.ReadInt32();
        var blob = r.ReadBytes(n);
        if (n < 0 || blob.Length != n)
        {
            throw new EndOfStreamException("truncated blob");
        }

        return blob;
    }

    /// <summary>Checks that restored decisions fit the configured search space.</summary>
    public static int[] CheckDecisions(int[] decisions, ISearchSpace space)
    {
        if (decisions.Length != space.DecisionCount)
        {
            throw new UserErrorException($"the saved strategy state has {decisions.Length} decisions per architecture but the search space has {space.DecisionCount}: restore with the campaign's original search-space settings");
        }

        try
        {
            space.CheckDecisions(decisions);
        }
        catch (ArgumentException e)
        {
            throw new UserErrorException($"the saved strategy state does not fit the search space ({e.Message}): restore with the campaign's original search-space settings");
        }

        return decisions;
    }
}
