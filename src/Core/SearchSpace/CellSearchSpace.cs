namespace NasNet.Core.SearchSpace;

/// <summary>The kind of one controller decision.</summary>
public enum DecisionKind
{
    InputA,
    InputB,
    OpA,
    OpB,
    Combine,
}

/// <summary>
/// The search space as a sequence of categorical decisions (paper §3): for the normal cell, then the reduction cell,
/// B blocks of (input A, input B, op A, op B, combine). Block b chooses its inputs among 2 + b states.
/// Sampled cells use the paper's concat rule (every unconsumed block output). As an <see cref="ISearchSpace"/> it is
/// "nasnet", with three controller heads: inputs (width B + 1), ops and combines.
/// </summary>
public sealed class CellSearchSpace : ISearchSpace
{
    /// <summary>The name a campaign config uses for this space.</summary>
    public const string SpaceName = "nasnet";

    /// <param name="blocks">B, blocks per cell (paper: 5).</param>
    /// <param name="operations">The operation list (<see cref="Operations.Seed14"/> by default).</param>
    /// <param name="combines">Combine choices (paper: add and concat).</param>
    public CellSearchSpace(int blocks = 5, IReadOnlyList<string>? operations = null, IReadOnlyList<Combine>? combines = null)
    {
        if (blocks < 1 || blocks > 16)
        {
            throw new ArgumentException($"blocks must be 1..16 (got {blocks})");
        }

        Blocks = blocks;
        Ops = (operations ?? Operations.Seed14).ToArray();
        Combines = (combines ?? [Combine.Add, Combine.Concat]).ToArray();
        if (Ops.Count == 0 || Ops.Any(o => !Operations.IsKnown(o)) || Ops.Distinct().Count() != Ops.Count)
        {
            throw new ArgumentException($"operations must be distinct names from: {string.Join(", ", Operations.Seed14)}");
        }

        if (Combines.Count == 0 || Combines.Distinct().Count() != Combines.Count)
        {
            throw new ArgumentException("combines must be a non-empty set of add/concat");
        }

        // The head names are the controller's checkpoint keys (as when they were fields of ControllerPolicy).
        Heads = [new DecisionHead("inputs", Blocks + 1), new DecisionHead("ops", Ops.Count), new DecisionHead("combines", Combines.Count)];
    }

    /// <summary>The default space: B = 5, the seed's 14 operations, add and concat.</summary>
    public static CellSearchSpace Default { get; } = new();

    /// <inheritdoc/>
    public string Name => SpaceName;

    /// <inheritdoc/>
    public IReadOnlyList<DecisionHead> Heads { get; }

    public int Blocks { get; }

    public IReadOnlyList<string> Ops { get; }

    public IReadOnlyList<Combine> Combines { get; }

    /// <summary>Decisions per architecture: 2 cells x B blocks x 5.</summary>
    public int DecisionCount => 2 * Blocks * 5;

    /// <summary>The kind of decision at a position (0-based).</summary>
    public DecisionKind KindOf(int position) => (DecisionKind)(position % 5);

    /// <inheritdoc/>
    public int HeadOf(int position) => KindOf(position) switch
    {
        DecisionKind.InputA or DecisionKind.InputB => 0,
        DecisionKind.OpA or DecisionKind.OpB => 1,
        _ => 2,
    };

    /// <summary>The block (0-based, within its cell) a decision belongs to.</summary>
    public int BlockOf(int position) => position / 5 % Blocks;

    /// <summary>True when the decision belongs to the reduction cell.</summary>
    public bool IsReduction(int position) => position >= Blocks * 5;

    /// <summary>Number of choices at a position: 2 + b for inputs, the op count for ops, the combine count.</summary>
    public int ChoiceCount(int position) => KindOf(position) switch
    {
        DecisionKind.InputA or DecisionKind.InputB => 2 + BlockOf(position),
        DecisionKind.OpA or DecisionKind.OpB => Ops.Count,
        _ => Combines.Count,
    };

    /// <summary>The genotype a full decision sequence describes (paper concat rule).</summary>
    public Genotype Decode(IReadOnlyList<int> decisions)
    {
        if (decisions.Count != DecisionCount)
        {
            throw new ArgumentException($"expected {DecisionCount} decisions, got {decisions.Count}");
        }

        for (var p = 0; p < decisions.Count; p++)
        {
            if (decisions[p] < 0 || decisions[p] >= ChoiceCount(p))
            {
                throw new ArgumentException($"decision {p} ({KindOf(p)}) is {decisions[p]}; allowed 0..{ChoiceCount(p) - 1}");
            }
        }

        return new Genotype(DecodeCell(decisions, 0, "normal cell"), DecodeCell(decisions, Blocks * 5, "reduction cell"));
    }

    /// <summary>The decision sequence of a genotype of this space (B blocks, ops and combines from its lists).</summary>
    public int[] Encode(Genotype g)
    {
        var result = new int[DecisionCount];
        EncodeCell(g.Normal, result, 0, "normal");
        EncodeCell(g.Reduction, result, Blocks * 5, "reduction");
        return result;
    }

    IArchitecture ISearchSpace.Decode(IReadOnlyList<int> decisions) => Decode(decisions);

    int[] ISearchSpace.Encode(IArchitecture architecture) => architecture is Genotype g
        ? Encode(g)
        : throw new ArgumentException($"a {architecture.SpaceName} architecture is not in the {SpaceName} search space");

    /// <summary>Parses a genotype's JSON (<see cref="Genotype.Text"/>); a malformed one is a one-line <see cref="GenotypeException"/>.</summary>
    public IArchitecture Parse(string text) => GenotypeJson.Parse(text);

    /// <summary>True when the genotype can be expressed in this space.</summary>
    public bool Contains(Genotype g)
    {
        try
        {
            Encode(g);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Uniformly random decisions (the paper's random-search baseline).</summary>
    public int[] RandomDecisions(Rng rng)
    {
        var d = new int[DecisionCount];
        for (var p = 0; p < d.Length; p++)
        {
            d[p] = rng.Next(ChoiceCount(p));
        }

        return d;
    }

    private CellGenotype DecodeCell(IReadOnlyList<int> d, int offset, string name)
    {
        var blocks = new Block[Blocks];
        for (var b = 0; b < Blocks; b++)
        {
            var p = offset + b * 5;
            blocks[b] = new Block(d[p], d[p + 1], Ops[d[p + 2]], Ops[d[p + 3]], Combines[d[p + 4]]);
        }

        return CellGenotype.WithPaperConcat(blocks, name);
    }

    private void EncodeCell(CellGenotype cell, int[] result, int offset, string name)
    {
        if (cell.Blocks.Count != Blocks)
        {
            throw new ArgumentException($"{name} cell has {cell.Blocks.Count} blocks; this search space has {Blocks}");
        }

        for (var b = 0; b < Blocks; b++)
        {
            var block = cell.Blocks[b];
            var p = offset + b * 5;
            result[p] = block.InputA;
            result[p + 1] = block.InputB;
            result[p + 2] = IndexOf(Ops, block.OpA, name, b);
            result[p + 3] = IndexOf(Ops, block.OpB, name, b);
            result[p + 4] = IndexOf(Combines, block.Combine, name, b);
        }
    }

    private static int IndexOf<T>(IReadOnlyList<T> list, T item, string cell, int block)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (EqualityComparer<T>.Default.Equals(list[i], item))
            {
                return i;
            }
        }

        throw new ArgumentException($"{cell} cell, block {block}: '{item}' is not in this search space");
    }
}
