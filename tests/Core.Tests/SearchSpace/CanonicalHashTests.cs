using NasNet.Core.SearchSpace;

namespace NasNet.Core.Tests.SearchSpace;

/// <summary>Equivalent cells hash equally; different cells do not.</summary>
public sealed class CanonicalHashTests
{
    private static readonly CellGenotype Reference = new(
        [
            new Block(1, 0, Operations.SepConv5x5, Operations.SepConv3x3, Combine.Add),
            new Block(0, 0, Operations.AvgPool3x3, Operations.Identity, Combine.Add),
            new Block(2, 3, Operations.MaxPool3x3, Operations.Conv1x1, Combine.Concat),
        ],
        [4]);

    private static Genotype G(CellGenotype normal) => new(normal, Genotypes.NasNetA.Reduction);

    private static CellGenotype With(int index, Block block, IReadOnlyList<int>? concat = null)
    {
        var blocks = Reference.Blocks.ToArray();
        blocks[index] = block;
        return new CellGenotype(blocks, concat ?? Reference.Concat);
    }

    [Fact]
    public void Hash_SwappedBranches_Equal()
    {
        var swapped = With(0, new Block(0, 1, Operations.SepConv3x3, Operations.SepConv5x5, Combine.Add));
        var swappedConcat = With(2, new Block(3, 2, Operations.Conv1x1, Operations.MaxPool3x3, Combine.Concat));
        Assert.Equal(G(Reference).Hash, G(swapped).Hash);
        Assert.Equal(G(Reference).Hash, G(swappedConcat).Hash);
        Assert.NotEqual(G(Reference), G(swapped)); // structurally different records, same architecture
    }

    [Fact]
    public void Hash_DeadBlocks_Ignored()
    {
        var withDead = new CellGenotype([.. Reference.Blocks, new Block(0, 4, Operations.Conv3x3, Operations.Conv3x3, Combine.Add)], [4]);
        var otherDead = new CellGenotype([.. Reference.Blocks, new Block(1, 1, Operations.DilConv3x3, Operations.Identity, Combine.Concat)], [4]);
        Assert.Equal(G(withDead).Hash, G(otherDead).Hash);

        // A block that is not in the concat list and is not read is dead even in the middle.
        var middleDead = new CellGenotype(
            [
                Reference.Blocks[0],
                new Block(1, 1, Operations.Conv3x3, Operations.Conv3x3, Combine.Add),
                new Block(0, 0, Operations.AvgPool3x3, Operations.Identity, Combine.Add),
                new Block(2, 4, Operations.MaxPool3x3, Operations.Conv1x1, Combine.Concat),
            ],
            [5]);
        Assert.Equal(G(Reference).Hash, G(middleDead).Hash);
    }

    [Fact]
    public void Hash_ReorderedIndependentBlocks_Equal()
    {
        var reordered = new CellGenotype(
            [
                new Block(0, 0, Operations.AvgPool3x3, Operations.Identity, Combine.Add),
                new Block(1, 0, Operations.SepConv5x5, Operations.SepConv3x3, Combine.Add),
                new Block(3, 2, Operations.MaxPool3x3, Operations.Conv1x1, Combine.Concat),
            ],
            [4]);
        Assert.Equal(G(Reference).Hash, G(reordered).Hash);
        Assert.Equal(
            GenotypeCanonicalizer.CanonicalText(G(Reference)),
            GenotypeCanonicalizer.CanonicalText(G(reordered)));
    }

    [Fact]
    public void Hash_IdenticalBlockCopiesReadInEitherOrder_Equal()
    {
        // Blocks 0 and 1 are identical copies; block 2 applies sep3 to one copy and max-pool to the other.
        CellGenotype Cell(int sepInput, int poolInput) => new(
            [
                new Block(0, 1, Operations.Conv3x3, Operations.Identity, Combine.Add),
                new Block(0, 1, Operations.Conv3x3, Operations.Identity, Combine.Add),
                new Block(sepInput, poolInput, Operations.SepConv3x3, Operations.MaxPool3x3, Combine.Add),
            ],
            [4]);
        Assert.Equal(G(Cell(2, 3)).Hash, G(Cell(3, 2)).Hash);
        Assert.NotEqual(G(Cell(2, 3)).Hash, G(Cell(2, 2)).Hash); // one copy read twice, the other dead
    }

    [Fact]
    public void Hash_ConcatOrder_Ignored()
    {
        var a = new CellGenotype(Reference.Blocks, [2, 3, 4]);
        var b = new CellGenotype(Reference.Blocks, [4, 2, 3]);
        Assert.Equal(G(a).Hash, G(b).Hash);
    }

    [Fact]
    public void Hash_DifferentOpInputsCombineOrConcat_Differ()
    {
        var h = G(Reference).Hash;
        Assert.NotEqual(h, G(With(0, new Block(1, 0, Operations.SepConv7x7, Operations.SepConv3x3, Combine.Add))).Hash);
        Assert.NotEqual(h, G(With(1, new Block(1, 1, Operations.AvgPool3x3, Operations.Identity, Combine.Add))).Hash); // 0 vs 1
        Assert.NotEqual(h, G(With(1, new Block(1, 0, Operations.AvgPool3x3, Operations.Identity, Combine.Add))).Hash); // which input gets which op
        Assert.NotEqual(h, G(With(2, new Block(2, 3, Operations.MaxPool3x3, Operations.Conv1x1, Combine.Add))).Hash);
        Assert.NotEqual(h, G(With(2, new Block(2, 2, Operations.MaxPool3x3, Operations.Conv1x1, Combine.Concat))).Hash);
        Assert.NotEqual(h, G(new CellGenotype(Reference.Blocks, [0, 4])).Hash);
        Assert.NotEqual(h, new Genotype(Reference, Reference).Hash);     // reduction cell counts
        Assert.NotEqual(new Genotype(Reference, Genotypes.NasNetA.Normal).Hash, new Genotype(Genotypes.NasNetA.Normal, Reference).Hash);
    }

    [Fact]
    public void Hash_NasNetA_StableValue()
    {
        // The hash feeds persisted keys: changing the canonical text format must be deliberate.
        Assert.Equal("34dc7b58ad32b10e", Genotypes.NasNetA.Hash);
        Assert.Matches("^[0-9a-f]{16}$", Genotypes.NasNetA.Hash);
    }

    [Fact]
    public void Canonicalize_IsIdempotentAndPreservesHash()
    {
        var space = CellSearchSpace.Default;
        var rng = new Rng(11);
        for (var i = 0; i < 200; i++)
        {
            var g = space.Decode(space.RandomDecisions(rng));
            var c = new Genotype(GenotypeCanonicalizer.Canonicalize(g.Normal), GenotypeCanonicalizer.Canonicalize(g.Reduction));
            Assert.Equal(g.Hash, c.Hash);
            var cc = new Genotype(GenotypeCanonicalizer.Canonicalize(c.Normal), GenotypeCanonicalizer.Canonicalize(c.Reduction));
            Assert.Equal(c, cc);
        }
    }

    [Fact]
    public void Hash_RandomPermutationOfIndependentBlocks_Equal()
    {
        // Relabel blocks by a random topological order: the architecture is the same.
        var space = CellSearchSpace.Default;
        var rng = new Rng(3);
        for (var i = 0; i < 100; i++)
        {
            var g = space.Decode(space.RandomDecisions(rng));
            var permuted = new Genotype(Permute(g.Normal, rng), Permute(g.Reduction, rng));
            Assert.Equal(g.Hash, permuted.Hash);
        }
    }

    private static CellGenotype Permute(CellGenotype cell, Rng rng)
    {
        var n = cell.Blocks.Count;
        var placed = new List<int>();            // old block indices in new order
        var remaining = Enumerable.Range(0, n).ToList();
        while (remaining.Count > 0)
        {
            var ready = remaining.Where(b => new[] { cell.Blocks[b].InputA, cell.Blocks[b].InputB }
                .All(s => s < 2 || placed.Contains(s - 2))).ToList();
            var pick = ready[rng.Next(ready.Count)];
            placed.Add(pick);
            remaining.Remove(pick);
        }

        int Map(int s) => s < 2 ? s : placed.IndexOf(s - 2) + 2;
        var blocks = placed.Select(b =>
        {
            var x = cell.Blocks[b];
            return rng.Next(2) == 0
                ? new Block(Map(x.InputA), Map(x.InputB), x.OpA, x.OpB, x.Combine)
                : new Block(Map(x.InputB), Map(x.InputA), x.OpB, x.OpA, x.Combine);
        }).ToArray();
        return new CellGenotype(blocks, cell.Concat.Select(Map).ToArray());
    }
}
