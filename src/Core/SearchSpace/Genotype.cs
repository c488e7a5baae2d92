namespace NasNet.Core.SearchSpace;

/// <summary>How a block merges its two op outputs: element-wise add, or concatenation along channels.</summary>
public enum Combine
{
    Add,
    Concat,
}

/// <summary>
/// One block of a cell: two inputs (state indices), an op on each, and a combine.
/// State indices: 0 = h_{i-1} (the cell before the previous one), 1 = h_i (the previous cell), 2 + k = block k.
/// </summary>
public sealed record Block(int InputA, int InputB, string OpA, string OpB, Combine Combine);

/// <summary>
/// A normal or reduction cell: its blocks, and the states concatenated into the cell output.
/// Cells built by <see cref="WithPaperConcat"/> concatenate every block output that no block consumes (the paper's
/// rule); the NASNet-A preset keeps TF's explicit lists. Construction validates; see <see cref="GenotypeException"/>.
/// </summary>
public sealed class CellGenotype : IEquatable<CellGenotype>
{
    public CellGenotype(IReadOnlyList<Block> blocks, IReadOnlyList<int> concat, string cellName = "cell")
    {
        Blocks = blocks.ToArray();
        Concat = concat.ToArray();
        Validate(cellName);
    }

    /// <summary>The blocks, in order; block k produces state 2 + k.</summary>
    public IReadOnlyList<Block> Blocks { get; }

    /// <summary>State indices concatenated (in this order) into the cell output.</summary>
    public IReadOnlyList<int> Concat { get; }

    /// <summary>Number of states: the two cell inputs plus one per block.</summary>
    public int StateCount => Blocks.Count + 2;

    /// <summary>A cell whose output concatenates every block output that no block consumes (paper §3).</summary>
    public static CellGenotype WithPaperConcat(IReadOnlyList<Block> blocks, string cellName = "cell")
    {
        var used = new HashSet<int>(blocks.SelectMany(b => new[] { b.InputA, b.InputB }));
        var concat = Enumerable.Range(2, blocks.Count).Where(s => !used.Contains(s)).ToArray();
        return new CellGenotype(blocks, concat, cellName);
    }

    /// <summary>The block output states that no block consumes (the paper's concat set).</summary>
    public IReadOnlyList<int> PaperConcat()
    {
        var used = new HashSet<int>(Blocks.SelectMany(b => new[] { b.InputA, b.InputB }));
        return Enumerable.Range(2, Blocks.Count).Where(s => !used.Contains(s)).ToArray();
    }

    private void Validate(string cell)
    {
        if (Blocks.Count == 0)
        {
            throw new GenotypeException($"{cell}: 'blocks' is empty; a cell needs at least one block");
        }

        for (var b = 0; b < Blocks.Count; b++)
        {
            var block = Blocks[b] ?? throw new GenotypeException($"{cell}, block {b}: block is null");
            var max = b + 1; // block b may read states 0 .. b + 1
            CheckInput(cell, b, "inputs[0]", block.InputA, max);
            CheckInput(cell, b, "inputs[1]", block.InputB, max);
            CheckOp(cell, b, "ops[0]", block.OpA);
            CheckOp(cell, b, "ops[1]", block.OpB);
            if (!Enum.IsDefined(block.Combine))
            {
                throw new GenotypeException($"{cell}, block {b}, field 'combine': '{block.Combine}' is not allowed (use add or concat)");
            }
        }

        if (Concat.Count == 0)
        {
            throw new GenotypeException($"{cell}: 'concat' is empty; list at least one state (0..{StateCount - 1})");
        }

        var seen = new HashSet<int>();
        foreach (var s in Concat)
        {
            if (s < 0 || s >= StateCount)
            {
                throw new GenotypeException($"{cell}, field 'concat': state {s} does not exist (allowed 0..{StateCount - 1})");
            }

            if (!seen.Add(s))
            {
                throw new GenotypeException($"{cell}, field 'concat': state {s} is listed twice");
            }
        }
    }

    private static void CheckInput(string cell, int b, string field, int input, int max)
    {
        if (input < 0 || input > max)
        {
            throw new GenotypeException(
                $"{cell}, block {b}, field '{field}': {input} is not an earlier state (allowed 0..{max}: 0 = h[i-1], 1 = h[i], 2.. = earlier blocks)");
        }
    }

    private static void CheckOp(string cell, int b, string field, string op)
    {
        if (string.IsNullOrEmpty(op) || !Operations.IsKnown(op))
        {
            throw new GenotypeException(
                $"{cell}, block {b}, field '{field}': unknown operation '{op}' (allowed: {string.Join(", ", Operations.Seed14)})");
        }
    }

    public bool Equals(CellGenotype? other) =>
        other is not null && Blocks.SequenceEqual(other.Blocks) && Concat.SequenceEqual(other.Concat);

    public override bool Equals(object? obj) => Equals(obj as CellGenotype);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var b in Blocks)
        {
            h.Add(b);
        }

        foreach (var c in Concat)
        {
            h.Add(c);
        }

        return h.ToHashCode();
    }

    public override string ToString() =>
        string.Join(" | ", Blocks.Select(b => $"{b.OpA}@{b.InputA} {b.Combine.ToString().ToLowerInvariant()} {b.OpB}@{b.InputB}"))
        + $" => concat[{string.Join(",", Concat)}]";
}

/// <summary>An architecture of the NASNet space: a normal cell and a reduction cell (searched separately, paper §3).</summary>
public sealed record Genotype(CellGenotype Normal, CellGenotype Reduction) : IArchitecture
{
    /// <summary>Canonical hash: equal for equivalent genotypes (see <see cref="GenotypeCanonicalizer"/>).</summary>
    public string Hash => GenotypeCanonicalizer.Hash(this);

    /// <summary>"nasnet".</summary>
    public string SpaceName => CellSearchSpace.SpaceName;

    /// <summary>The compact genotype JSON (<see cref="GenotypeJson.SerializeCompact"/>), as leases carry it.</summary>
    public string Text => GenotypeJson.SerializeCompact(this);

    /// <summary>Every operation name used by either cell (for checks against an operation list).</summary>
    public IEnumerable<string> AllOps() =>
        Normal.Blocks.Concat(Reduction.Blocks).SelectMany(b => new[] { b.OpA, b.OpB });

    public override string ToString() => $"normal: {Normal}; reduction: {Reduction}";
}

/// <summary>A malformed genotype; the message names the cell, block and field and what is allowed.</summary>
public sealed class GenotypeException(string message) : UserErrorException(message);
