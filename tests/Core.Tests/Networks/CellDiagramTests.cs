using System.Xml.Linq;
using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;

namespace NasNet.Core.Tests.Networks;

/// <summary>The SVG cell diagram.</summary>
public sealed class CellDiagramTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ToSvg_NasNetACells_WellFormedAndNamesEveryOp(bool normal)
    {
        var cell = normal ? Genotypes.NasNetA.Normal : Genotypes.NasNetA.Reduction;
        var doc = XDocument.Parse(CellDiagram.ToSvg(cell, "nasnet-a <cell> & co"));

        Assert.Equal(Svg + "svg", doc.Root!.Name);
        var texts = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("nasnet-a <cell> & co", texts);
        foreach (var (block, b) in cell.Blocks.Select((x, i) => (x, i)))
        {
            Assert.Equal(
                cell.Blocks.SelectMany(x => new[] { x.OpA, x.OpB }).Count(o => o == block.OpA),
                texts.Count(t => t == block.OpA));
        }

        Assert.Contains("h[i-1]", texts);
        Assert.Contains("h[i]", texts);
        Assert.Equal(cell.Blocks.Count, texts.Count(t => t is "add" or "concat"));
        Assert.Contains(texts, t => t.StartsWith("concat [", StringComparison.Ordinal));
        Assert.True(double.Parse(doc.Root.Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture) > 100);
    }

    [Fact]
    public void ToSvg_RandomCells_WellFormedWithOpBoxPerBranch()
    {
        var space = CellSearchSpace.Default;
        var rng = new Rng(9);
        for (var i = 0; i < 20; i++)
        {
            var g = space.Decode(space.RandomDecisions(rng));
            var doc = XDocument.Parse(CellDiagram.ToSvg(g.Reduction, $"random {i}"));
            var texts = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
            var ops = g.Reduction.Blocks.SelectMany(b => new[] { b.OpA, b.OpB }).ToList();
            Assert.Equal(ops.Count, texts.Count(ops.Contains));
        }
    }
}
