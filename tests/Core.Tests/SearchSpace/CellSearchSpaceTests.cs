using NasNet.Core.SearchSpace;

namespace NasNet.Core.Tests.SearchSpace;

/// <summary>The decision encoding of the search space.</summary>
public sealed class CellSearchSpaceTests
{
    [Fact]
    public void Default_HasFiftyDecisionsWithPaperChoiceCounts()
    {
        var space = CellSearchSpace.Default;
        Assert.Equal(50, space.DecisionCount);
        Assert.Equal(14, space.Ops.Count);
        Assert.Equal(2, space.ChoiceCount(0));            // block 0, input A: h[i-1], h[i]
        Assert.Equal(6, space.ChoiceCount(4 * 5 + 1));    // block 4, input B
        Assert.Equal(14, space.ChoiceCount(2));
        Assert.Equal(2, space.ChoiceCount(4));
        Assert.True(space.IsReduction(25));
        Assert.Equal(0, space.BlockOf(25));
        Assert.Equal(13, new CellSearchSpace(operations: Operations.Paper13).ChoiceCount(3));
        Assert.DoesNotContain(Operations.AvgPool5x5, Operations.Paper13);
        Assert.Equal(Operations.Paper13, Operations.ListNamed("paper-13"));
    }

    [Fact]
    public void EncodeDecode_RandomDecisions_RoundTrip()
    {
        var space = new CellSearchSpace(blocks: 4, operations: Operations.Paper13);
        var rng = new Rng(5);
        for (var i = 0; i < 100; i++)
        {
            var d = space.RandomDecisions(rng);
            var g = space.Decode(d);
            Assert.Equal(d, space.Encode(g));
            Assert.True(space.Contains(g));
            Assert.NotEmpty(g.Normal.Concat);
            Assert.All(g.Normal.Concat, s => Assert.True(s >= 2));
        }
    }

    [Fact]
    public void Contains_NasNetA_InDefaultSpaceNotInSmallerOnes()
    {
        Assert.True(CellSearchSpace.Default.Contains(Genotypes.NasNetA));
        Assert.False(new CellSearchSpace(blocks: 4).Contains(Genotypes.NasNetA));
        Assert.False(new CellSearchSpace(operations: [Operations.Identity, Operations.Conv3x3]).Contains(Genotypes.NasNetA));
        // Decode uses the paper's concat rule, so NASNet-A's TF concat lists do not survive a decode.
        var decoded = CellSearchSpace.Default.Decode(CellSearchSpace.Default.Encode(Genotypes.NasNetA));
        Assert.Equal([2, 3, 4, 5, 6], decoded.Normal.Concat);
        Assert.Equal(Genotypes.NasNetA.Normal.Blocks, decoded.Normal.Blocks);
    }

    [Fact]
    public void Decode_BadDecisions_Throw()
    {
        var space = CellSearchSpace.Default;
        Assert.Throws<ArgumentException>(() => space.Decode(new int[49]));
        var d = new int[50];
        d[0] = 2; // block 0 may only read 0 or 1
        var e = Assert.Throws<ArgumentException>(() => space.Decode(d));
        Assert.Contains("decision 0", e.Message);
    }
}
