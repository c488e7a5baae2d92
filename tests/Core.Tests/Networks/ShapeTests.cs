using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using TorchSharp;

namespace NasNet.Core.Tests.Networks;

/// <summary>Per-stage shapes of the spec's table (§1.7) and the published parameter counts.</summary>
public sealed class ShapeTests
{
    [Fact]
    public void StageShapes_CifarConfig_MatchSpecTableOnCpuAndMeta()
    {
        using var net = new ChildNetwork(Genotypes.NasNetA, NetworkConfig.Cifar);
        var cpu = net.StageShapes([2, 3, 32, 32]);
        var expected = new List<(string, long[])> { ("stem", [2, 96, 32, 32]) };
        expected.AddRange(Enumerable.Range(0, 6).Select(i => ($"cell_{i}", new long[] { 2, 192, 32, 32 })));
        expected.Add(("reduction_cell_0", [2, 256, 16, 16]));
        expected.AddRange(Enumerable.Range(6, 6).Select(i => ($"cell_{i}", new long[] { 2, 384, 16, 16 })));
        expected.Add(("reduction_cell_1", [2, 512, 8, 8]));
        expected.AddRange(Enumerable.Range(12, 6).Select(i => ($"cell_{i}", new long[] { 2, 768, 8, 8 })));
        AssertShapes(expected, cpu);

        net.to(torch.META);
        AssertShapes(expected, net.StageShapes([2, 3, 32, 32]));
    }

    [Fact]
    public void StageShapes_MobileConfig_MatchSpecTable()
    {
        using var net = new ChildNetwork(Genotypes.NasNetA, NetworkConfig.Mobile);
        var shapes = net.StageShapes([1, 3, 224, 224]);
        var expected = new List<(string, long[])>
        {
            ("stem", [1, 32, 111, 111]),
            ("stem_cell_0", [1, 44, 56, 56]),
            ("stem_cell_1", [1, 88, 28, 28]),
        };
        expected.AddRange(Enumerable.Range(0, 4).Select(i => ($"cell_{i}", new long[] { 1, 264, 28, 28 })));
        expected.Add(("reduction_cell_0", [1, 352, 14, 14]));
        expected.AddRange(Enumerable.Range(4, 4).Select(i => ($"cell_{i}", new long[] { 1, 528, 14, 14 })));
        expected.Add(("reduction_cell_1", [1, 704, 7, 7]));
        expected.AddRange(Enumerable.Range(8, 4).Select(i => ($"cell_{i}", new long[] { 1, 1056, 7, 7 })));
        AssertShapes(expected, shapes);
    }

    [Fact]
    public void StageShapesAndCounts_LargeConfigOnMeta_MatchSpecTableAndKeras()
    {
        // Built directly on the meta device: no memory, no initialisation.
        using var net = Layers.BuildOn(torch.META, () => new ChildNetwork(Genotypes.NasNetA, NetworkConfig.Large with { AuxHead = false }));
        Assert.Equal(DeviceType.META, net.parameters().First().device_type);
        // Keras NASNetLarge: 88,949,818 total of which 88,753,150 trainable (the rest: BatchNorm moving statistics).
        Assert.Equal(88_753_150, net.ParameterCount());
        Assert.Equal(88_949_818, net.ParameterCount() + net.buffers().Sum(b => b.numel()) - CountBatchNormCounters(net));
        IReadOnlyList<(string Name, long[] Shape)> shapes = [];
        var macs = MacCounter.Count(() => shapes = net.StageShapes([1, 3, 331, 331]));
        var expected = new List<(string, long[])>
        {
            ("stem", [1, 96, 165, 165]),
            ("stem_cell_0", [1, 168, 83, 83]),
            ("stem_cell_1", [1, 336, 42, 42]),
        };
        expected.AddRange(Enumerable.Range(0, 6).Select(i => ($"cell_{i}", new long[] { 1, 1008, 42, 42 })));
        expected.Add(("reduction_cell_0", [1, 1344, 21, 21]));
        expected.AddRange(Enumerable.Range(6, 6).Select(i => ($"cell_{i}", new long[] { 1, 2016, 21, 21 })));
        expected.Add(("reduction_cell_1", [1, 2688, 11, 11]));
        expected.AddRange(Enumerable.Range(12, 6).Select(i => ($"cell_{i}", new long[] { 1, 4032, 11, 11 })));
        AssertShapes(expected, shapes);

        // Paper Table 2: 23.8 B mult-adds.
        Assert.InRange(macs, 23.3e9, 24.3e9);
    }

    [Fact]
    public void BuildOn_Meta_DoesNotAffectOtherThreads()
    {
        var small = NetworkConfig.Cifar with { Cells = 1, NumConvFilters = 4 };
        DeviceType other = DeviceType.META;
        using var net = Layers.BuildOn(torch.META, () =>
        {
            var t = new Thread(() =>
            {
                using var n = new ChildNetwork(Genotypes.NasNetA, small);
                other = n.parameters().First().device_type;
            });
            t.Start();
            t.Join();
            return new ChildNetwork(Genotypes.NasNetA, small);
        });
        Assert.Equal(DeviceType.META, net.parameters().First().device_type);
        Assert.Equal(DeviceType.CPU, other);
    }

    [Fact]
    public void Count_MobileConfig_MatchesKerasParamsAndPaperMultAdds()
    {
        var counts = ArchitectureStats.Count(Genotypes.NasNetA, NetworkConfig.Mobile);

        // Keras NASNetMobile: 5,326,716 total, 5,289,978 trainable; paper: 564 M mult-adds.
        Assert.Equal(5_289_978, counts.Params);
        Assert.Equal(5_326_716, counts.Params + counts.BatchNormBuffers);
        Assert.InRange(counts.MultAdds, 558e6, 570e6);
        Assert.Equal(1056, counts.FeatureChannels);
        Assert.Equal(16, counts.Cells);
    }

    [Fact]
    public void Count_CifarConfig_IsPapers3Point3MillionAndExcludesAuxHead()
    {
        var counts = ArchitectureStats.Count(Genotypes.NasNetA, NetworkConfig.Cifar);
        Assert.InRange(counts.Params, 3.25e6, 3.45e6);
        Assert.Equal(768, counts.FeatureChannels);

        using var withAux = new ChildNetwork(Genotypes.NasNetA, NetworkConfig.Cifar);
        Assert.Equal(counts.Params, withAux.ParameterCount());
        Assert.True(withAux.ParameterCount(includeAuxHead: true) > counts.Params + 100_000);
    }

    [Fact]
    public void Count_TinyNetwork_EqualsHandCount()
    {
        // Both cells: one block conv_1x1(h[i]) + identity(h[i-1]). N = 1, F = 4, CIFAR stem of 4 filters, 8x8 input.
        // By hand (see the per-cell sums): stem 6912; cell0 2048 (squeeze + conv); reduction0 6144 (h[i-1] 1x1,
        // squeeze, strided conv, strided identity 1x1); cell1 2560 (factorized reduce 512 + squeeze + conv);
        // reduction1 6144; cell2 2560; classifier 160.
        var cell = new CellGenotype([new Block(1, 0, Operations.Conv1x1, Operations.Identity, Combine.Add)], [2]);
        var config = NetworkConfig.Cifar with { Cells = 1, NumConvFilters = 4, StemMultiplier = 1, ImageSize = 8, AuxHead = false };
        var counts = ArchitectureStats.Count(new Genotype(cell, cell), config);

        Assert.Equal(6912 + 2048 + 6144 + 2560 + 6144 + 2560 + 160, counts.MultAdds);
        Assert.Equal(116 + 48 + 256 + 208 + 896 + 736 + 170, counts.Params);
    }

    private static long CountBatchNormCounters(ChildNetwork net) =>
        net.named_buffers().Where(b => b.name.EndsWith("num_batches_tracked", StringComparison.Ordinal)).Sum(b => b.buffer.numel());

    private static void AssertShapes(IReadOnlyList<(string Name, long[] Shape)> expected, IReadOnlyList<(string Name, long[] Shape)> actual)
    {
        Assert.Equal(expected.Select(e => e.Name), actual.Select(a => a.Name));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Shape.SequenceEqual(actual[i].Shape),
                $"{expected[i].Name}: expected [{string.Join(",", expected[i].Shape)}], got [{string.Join(",", actual[i].Shape)}]");
        }
    }
}
