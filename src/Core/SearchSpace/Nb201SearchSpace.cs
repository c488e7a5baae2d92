using System.Security.Cryptography;
using System.Text;

namespace NasNet.Core.SearchSpace;

/// <summary>
/// The NAS-Bench-201 cell space (Dong &amp; Yang, ICLR 2020; NATS-Bench "tss"): a DAG of 4 nodes whose 6 edges
/// (every j → i with j &lt; i) each hold one of 5 operations, so 5^6 = 15,625 cells. One decision per edge, in the
/// benchmark string's order: 1←0, 2←0, 2←1, 3←0, 3←1, 3←2; the controller has a single head, "ops".
/// </summary>
public sealed class Nb201SearchSpace : ISearchSpace
{
    /// <summary>The name a campaign config uses for this space.</summary>
    public const string SpaceName = "nas-bench-201";

    /// <summary>Nodes of the cell: node 0 is the cell input, node 3 its output.</summary>
    public const int Nodes = 4;

    /// <summary>The five operations, in the benchmark's order (the decision value is the index).</summary>
    public static readonly IReadOnlyList<string> Ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"];

    /// <summary>The edges in decision order: (to, from).</summary>
    public static readonly IReadOnlyList<(int To, int From)> Edges = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)];

    private static readonly IReadOnlyList<DecisionHead> OpsHead = [new DecisionHead("ops", 5)];

    private Nb201SearchSpace()
    {
    }

    /// <summary>The space (it has no settings).</summary>
    public static Nb201SearchSpace Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => SpaceName;

    /// <summary>6: one per edge.</summary>
    public int DecisionCount => Edges.Count;

    /// <inheritdoc/>
    public IReadOnlyList<DecisionHead> Heads => OpsHead;

    /// <inheritdoc/>
    public int HeadOf(int position) => 0;

    /// <inheritdoc/>
    public int ChoiceCount(int position) => Ops.Count;

    /// <inheritdoc/>
    public IArchitecture Decode(IReadOnlyList<int> decisions)
    {
        this.CheckDecisions(decisions);
        return new Nb201Cell(decisions.Select(d => Ops[d]).ToArray());
    }

    /// <inheritdoc/>
    public int[] Encode(IArchitecture architecture) => architecture is Nb201Cell c
        ? c.EdgeOps.Select(o => IndexOf(o)).ToArray()
        : throw new ArgumentException($"a {architecture.SpaceName} architecture is not in the {SpaceName} search space");

    /// <inheritdoc/>
    public IArchitecture Parse(string text) => Nb201Cell.Parse(text);

    internal static int IndexOf(string op)
    {
        for (var i = 0; i < Ops.Count; i++)
        {
            if (Ops[i] == op)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>
/// A NAS-Bench-201 cell: the operation on each of the 6 edges (decision order, see <see cref="Nb201SearchSpace.Edges"/>).
/// Its text is the benchmark's string <c>|op~0|+|op~0|op~1|+|op~0|op~1|op~2|</c> (node i lists its edges from
/// nodes 0..i-1); its hash is equal for isomorphic cells, by the benchmark's own rule (<see cref="CanonicalText"/>).
/// </summary>
public sealed class Nb201Cell : IArchitecture, IEquatable<Nb201Cell>
{
    private const string Form = "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|";

    /// <param name="edgeOps">6 operation names from <see cref="Nb201SearchSpace.Ops"/>, in edge order.</param>
    public Nb201Cell(IReadOnlyList<string> edgeOps)
    {
        if (edgeOps.Count != Nb201SearchSpace.Edges.Count)
        {
            throw new ArgumentException($"a NAS-Bench-201 cell has {Nb201SearchSpace.Edges.Count} edges (got {edgeOps.Count})");
        }

        foreach (var op in edgeOps)
        {
            if (Nb201SearchSpace.IndexOf(op) < 0)
            {
                throw new ArgumentException($"unknown NAS-Bench-201 operation '{op}' (allowed: {string.Join(", ", Nb201SearchSpace.Ops)})");
            }
        }

        EdgeOps = edgeOps.ToArray();
    }

    /// <summary>The operation on each edge, in decision order.</summary>
    public IReadOnlyList<string> EdgeOps { get; }

    /// <summary>"nas-bench-201".</summary>
    public string SpaceName => Nb201SearchSpace.SpaceName;

    /// <summary>The benchmark's cell string.</summary>
    public string Text
    {
        get
        {
            var sb = new StringBuilder();
            var k = 0;
            for (var node = 1; node < Nb201SearchSpace.Nodes; node++)
            {
                sb.Append(node > 1 ? "+|" : "|");
                for (var from = 0; from < node; from++)
                {
                    sb.Append(EdgeOps[k++]).Append('~').Append(from).Append('|');
                }
            }

            return sb.ToString();
        }
    }

    /// <summary>
    /// The isomorphism-invariant text of NATS-Bench's <c>Structure.to_unique_str(consider_zero=True)</c>
    /// (D-X-Y/NATS-Bench, xautodl/models/cell_searchs/genotypes.py; MIT): node 0 is "0"; an edge contributes "#" when
    /// its op is <c>none</c> or its source node is exactly "#", its source's text when the op is <c>skip_connect</c>,
    /// and "(source)@op" otherwise; a node is its edges' texts sorted and joined with "+". The output node's text is
    /// the canonical form. This is the rule that defines the benchmark's 6,466 isomorphism classes (the table's
    /// <c>iso_class</c> column; every one of the 15,625 cells is checked against it in the tests).
    /// </summary>
    public string CanonicalText
    {
        get
        {
            var nodes = new string[Nb201SearchSpace.Nodes];
            nodes[0] = "0";
            var k = 0;
            for (var node = 1; node < Nb201SearchSpace.Nodes; node++)
            {
                var terms = new string[node];
                for (var from = 0; from < node; from++)
                {
                    var op = EdgeOps[k++];
                    terms[from] = op == "none" || nodes[from] == "#" ? "#"
                        : op == "skip_connect" ? nodes[from]
                        : $"({nodes[from]})@{op}";
                }

                Array.Sort(terms, StringComparer.Ordinal);
                nodes[node] = string.Join("+", terms);
            }

            return nodes[^1];
        }
    }

    /// <summary>A 16-hex-digit SHA-256 prefix of the space name and <see cref="CanonicalText"/>.</summary>
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"nb201:{CanonicalText}")), 0, 8);

    /// <summary>Parses the benchmark's cell string; anything else is a one-line <see cref="UserErrorException"/>.</summary>
    public static Nb201Cell Parse(string text)
    {
        var s = (text ?? "").Trim();
        var nodes = s.Split('+');
        if (nodes.Length != Nb201SearchSpace.Nodes - 1)
        {
            throw Bad(s, $"{nodes.Length} node groups separated by '+', expected {Nb201SearchSpace.Nodes - 1}");
        }

        var ops = new List<string>();
        for (var i = 0; i < nodes.Length; i++)
        {
            var node = nodes[i];
            if (node.Length < 2 || node[0] != '|' || node[^1] != '|')
            {
                throw Bad(s, $"node {i + 1} '{node}' must start and end with '|'");
            }

            var edges = node[1..^1].Split('|');
            if (edges.Length != i + 1)
            {
                throw Bad(s, $"node {i + 1} has {edges.Length} edges, expected {i + 1}");
            }

            for (var j = 0; j < edges.Length; j++)
            {
                var parts = edges[j].Split('~');
                if (parts.Length != 2 || parts[1] != j.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    throw Bad(s, $"node {i + 1}, edge {j} '{edges[j]}' must be op~{j}");
                }

                if (Nb201SearchSpace.IndexOf(parts[0]) < 0)
                {
                    throw Bad(s, $"unknown operation '{parts[0]}' (allowed: {string.Join(", ", Nb201SearchSpace.Ops)})");
                }

                ops.Add(parts[0]);
            }
        }

        return new Nb201Cell(ops);
    }

    public bool Equals(Nb201Cell? other) => other is not null && EdgeOps.SequenceEqual(other.EdgeOps);

    public override bool Equals(object? obj) => Equals(obj as Nb201Cell);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);

    public override string ToString() => Text;

    private static UserErrorException Bad(string text, string why) =>
        new($"'{text}' is not a NAS-Bench-201 cell: {why}; write it as {Form}");
}
