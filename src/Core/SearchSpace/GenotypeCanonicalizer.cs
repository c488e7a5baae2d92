using System.Security.Cryptography;
using System.Text;

namespace NasNet.Core.SearchSpace;

/// <summary>
/// Canonical form and stable hash of a genotype, so that equivalent cells hash equally:
/// <list type="bullet">
/// <item>the two (input, op) branches of a block are unordered (add is commutative; concat only permutes channels,
/// which the next layer's weights absorb);</item>
/// <item>blocks that cannot reach the cell output are dropped;</item>
/// <item>independent blocks are renumbered in a canonical topological order (by depth, then by their expression;
/// identical copies of a block in the order that gives the smallest text);</item>
/// <item>the concat list is a set.</item>
/// </list>
/// Inputs 0 (h[i-1]) and 1 (h[i]) are never swapped: they are different tensors, and in a reduction cell only ops
/// reading them are strided.
/// </summary>
public static class GenotypeCanonicalizer
{
    /// <summary>The canonical text of a genotype (stable across versions: it feeds the hash).</summary>
    public static string CanonicalText(Genotype g) => $"N:{CanonicalText(g.Normal)}|R:{CanonicalText(g.Reduction)}";

    /// <summary>A 16-hex-digit SHA-256 prefix of <see cref="CanonicalText(Genotype)"/>.</summary>
    public static string Hash(Genotype g)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalText(g)));
        return Convert.ToHexStringLower(bytes, 0, 8);
    }

    /// <summary>The canonical cell: live blocks only, canonical order and branch order, sorted concat.</summary>
    public static CellGenotype Canonicalize(CellGenotype cell)
    {
        var n = cell.StateCount;
        var live = new bool[n];
        var stack = new Stack<int>(cell.Concat);
        while (stack.Count > 0)
        {
            var s = stack.Pop();
            if (live[s])
            {
                continue;
            }

            live[s] = true;
            if (s >= 2)
            {
                var b = cell.Blocks[s - 2];
                stack.Push(b.InputA);
                stack.Push(b.InputB);
            }
        }

        var label = new string[n];
        var depth = new int[n];
        label[0] = "h0";
        label[1] = "h1";
        for (var s = 2; s < n; s++)
        {
            var b = cell.Blocks[s - 2];
            var branches = new[] { $"{b.OpA}({label[b.InputA]})", $"{b.OpB}({label[b.InputB]})" };
            Array.Sort(branches, StringComparer.Ordinal);
            label[s] = $"{(b.Combine == Combine.Add ? "add" : "cat")}[{branches[0]},{branches[1]}]";
            depth[s] = 1 + Math.Max(depth[b.InputA], depth[b.InputB]);
        }

        var order = Enumerable.Range(2, n - 2).Where(s => live[s])
            .OrderBy(s => depth[s]).ThenBy(s => label[s], StringComparer.Ordinal).ThenBy(s => s).ToArray();

        // Blocks with the same expression (label) are interchangeable copies: which copy a later block reads must not
        // change the result, so try every order within such groups and keep the smallest text.
        CellGenotype? best = null;
        string? bestText = null;
        foreach (var candidate in TieOrders(order, label))
        {
            var c = Build(cell, candidate);
            var text = Text(c);
            if (bestText is null || string.CompareOrdinal(text, bestText) < 0)
            {
                (best, bestText) = (c, text);
            }
        }

        return best!;
    }

    private static CellGenotype Build(CellGenotype cell, int[] order)
    {
        var map = new Dictionary<int, int> { [0] = 0, [1] = 1 };
        for (var i = 0; i < order.Length; i++)
        {
            map[order[i]] = i + 2;
        }

        var blocks = order.Select(s =>
        {
            var b = cell.Blocks[s - 2];
            var x = (Input: map[b.InputA], Op: b.OpA);
            var y = (Input: map[b.InputB], Op: b.OpB);
            if (y.Input < x.Input || (y.Input == x.Input && string.CompareOrdinal(y.Op, x.Op) < 0))
            {
                (x, y) = (y, x);
            }

            return new Block(x.Input, y.Input, x.Op, y.Op, b.Combine);
        }).ToArray();
        var concat = cell.Concat.Select(s => map[s]).Order().ToArray();
        return new CellGenotype(blocks.Length > 0 ? blocks : cell.Blocks.Take(1).ToArray(), concat);
    }

    /// <summary>Every order obtained by permuting runs of equal labels in <paramref name="order"/> (at most 8! per run).</summary>
    private static IEnumerable<int[]> TieOrders(int[] order, string[] label)
    {
        var runs = new List<(int Start, int Length)>();
        for (var i = 0; i < order.Length;)
        {
            var j = i + 1;
            while (j < order.Length && label[order[j]] == label[order[i]])
            {
                j++;
            }

            if (j - i > 1)
            {
                runs.Add((i, j - i));
            }

            i = j;
        }

        if (runs.Count == 0 || runs.Any(r => r.Length > 8))
        {
            yield return order;
            yield break;
        }

        foreach (var result in Expand(order.ToArray(), runs, 0))
        {
            yield return result;
        }
    }

    private static IEnumerable<int[]> Expand(int[] order, List<(int Start, int Length)> runs, int run)
    {
        if (run == runs.Count)
        {
            yield return order.ToArray();
            yield break;
        }

        var (start, length) = runs[run];
        var items = order.Skip(start).Take(length).ToArray();
        foreach (var perm in Permutations(items))
        {
            perm.CopyTo(order, start);
            foreach (var r in Expand(order, runs, run + 1))
            {
                yield return r;
            }
        }

        items.CopyTo(order, start);
    }

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1)
        {
            yield return items.ToArray();
            yield break;
        }

        for (var i = 0; i < items.Length; i++)
        {
            var rest = items.Where((_, k) => k != i).ToArray();
            foreach (var p in Permutations(rest))
            {
                yield return [items[i], .. p];
            }
        }
    }

    private static string CanonicalText(CellGenotype cell) => Text(Canonicalize(cell));

    private static string Text(CellGenotype c)
    {
        var live = c.Concat.Any(s => s >= 2) ? c.Blocks : [];
        return string.Join(";", live.Select(b =>
                   $"{b.InputA}:{b.OpA},{b.InputB}:{b.OpB},{(b.Combine == Combine.Add ? "add" : "cat")}"))
               + $"=>{string.Join(",", c.Concat)}";
    }
}
