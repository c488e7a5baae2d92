using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using TorchSharp;
using static TorchSharp.torch;

namespace NasNet.Core.Tests.Networks;

/// <summary>Building and running child networks for arbitrary genotypes, drop-path, aux head.</summary>
public sealed class ChildNetworkTests
{
    private static readonly NetworkConfig Small = NetworkConfig.Cifar with { Cells = 1, NumConvFilters = 4, ImageSize = 28, InChannels = 1 };

    [Theory]
    [InlineData(1, 1, 28)]
    [InlineData(2, 3, 32)]
    [InlineData(3, 1, 28)]
    [InlineData(4, 3, 32)]
    [InlineData(5, 3, 32)]
    public void Forward_RandomGenotype_GivesLogitsAuxLogitsAndGradients(int seed, int channels, int size)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(seed);
        var space = CellSearchSpace.Default;
        var g = space.Decode(space.RandomDecisions(new Rng(seed)));
        var config = Small with { InChannels = channels, ImageSize = size, Classes = 7 };
        using var net = new ChildNetwork(g, config);
        net.train();
        net.SetDropPathProgress(0.5);

        var logits = net.call(torch.randn(2, channels, size, size));

        Assert.Equal([2L, 7L], logits.shape);
        Assert.NotNull(net.AuxLogits);
        Assert.Equal([2L, 7L], net.AuxLogits!.shape);
        Assert.True(torch.isfinite(logits).all().item<bool>(), g.ToString());
        (logits.sum() + net.AuxLogits.sum()).backward();
        Assert.All(net.parameters(), p => Assert.NotNull(p.grad));

        net.eval();
        net.call(torch.randn(1, channels, size, size));
        Assert.Null(net.AuxLogits);
    }

    [Fact]
    public void Forward_ConcatCombinesAndReducedInputsInConcat_BuildsExpectedWidths()
    {
        using var scope = torch.NewDisposeScope();
        // Block 0 concatenates (2F), block 1 reads it (2F input -> F ops), output concat of h[i-1], h[i], block 0, 1:
        // widths F + F + 2F + F = 5F, in the reduction cell h[i-1] and h[i] need a factorized reduction first.
        var cell = new CellGenotype(
            [
                new Block(0, 1, Operations.MaxPool3x3, Operations.AvgPool3x3, Combine.Concat),
                new Block(2, 2, Operations.Identity, Operations.SepConv3x3, Combine.Add),
            ],
            [0, 1, 2, 3]);
        var g = new Genotype(cell, cell);
        var config = Small with { ImageSize = 16 };
        Assert.Equal(5, NetworkConfig.CellWidth(cell));
        using var net = new ChildNetwork(g, config);

        var shapes = net.StageShapes([2, 1, 16, 16]);

        Assert.Equal([2L, 20L, 16L, 16L], shapes.Single(s => s.Name == "cell_0").Shape);
        Assert.Equal([2L, 40L, 8L, 8L], shapes.Single(s => s.Name == "reduction_cell_0").Shape);
        Assert.Equal([2L, 80L, 4L, 4L], shapes.Single(s => s.Name == "cell_2").Shape);
        Assert.Equal(80, net.FeatureChannels);
    }

    [Fact]
    public void Forward_ImageNetStemOnSmallGreyImages_Works()
    {
        using var scope = torch.NewDisposeScope();
        var config = NetworkConfig.Mobile with { Cells = 1, NumConvFilters = 8, ImageSize = 28, InChannels = 1, Classes = 10 };
        using var net = new ChildNetwork(Genotypes.NasNetA, config);
        net.train();

        var shapes = net.StageShapes([2, 1, 28, 28]);
        var logits = net.call(torch.randn(2, 1, 28, 28));

        Assert.Equal([2L, 32L, 13L, 13L], shapes[0].Shape);
        Assert.Equal([2L, 8L, 7L, 7L], shapes[1].Shape);   // stem cell 0: F = 2, 4 concatenated
        Assert.Equal([2L, 10L], logits.shape);
        Assert.NotNull(net.AuxLogits);
    }

    [Fact]
    public void Forward_SkipReductionLayerInput_ChangesWiringNotShapes()
    {
        using var scope = torch.NewDisposeScope();
        var config = Small with { ImageSize = 16, AuxHead = false };
        using var plain = new ChildNetwork(Genotypes.NasNetA, config);
        using var skip = new ChildNetwork(Genotypes.NasNetA, config with { SkipReductionLayerInput = true });

        // The normal cell after a reduction reads a 2x larger h[i-1] (factorized reduction) instead of an equal one.
        Assert.NotEqual(plain.ParameterCount(), skip.ParameterCount());
        Assert.Equal(
            plain.StageShapes([1, 1, 16, 16]).Select(s => string.Join(",", s.Shape)),
            skip.StageShapes([1, 1, 16, 16]).Select(s => string.Join(",", s.Shape)));
    }

    [Fact]
    public void Constructor_DeadBlocksAndUnreadInputs_BuildNoModules()
    {
        // Block 1 is dead (not in concat, not read); h[i-1] is never read: the two genotypes hash equally and so
        // they must have the same parameters.
        CellGenotype Cell(string deadOp) => new(
            [
                new Block(1, 1, Operations.SepConv3x3, Operations.Identity, Combine.Add),
                new Block(0, 1, deadOp, Operations.Conv3x3, Combine.Add),
            ],
            [2]);
        var a = new Genotype(Cell(Operations.SepConv7x7), Cell(Operations.SepConv7x7));
        var b = new Genotype(Cell(Operations.Conv1x7x7x1), Cell(Operations.MaxPool3x3));
        Assert.Equal(a.Hash, b.Hash);
        var config = Small with { AuxHead = false };
        using var na = new ChildNetwork(a, config);
        using var nb = new ChildNetwork(b, config);
        using var alive = new ChildNetwork(new Genotype(Cell(Operations.SepConv7x7) is var c ? new CellGenotype(c.Blocks, [2, 3]) : c, Cell(Operations.SepConv7x7)), config);

        Assert.Equal(na.ParameterCount(), nb.ParameterCount());
        Assert.True(alive.ParameterCount() > na.ParameterCount());
        using var scope = torch.NewDisposeScope();
        na.train();
        na.call(torch.randn(2, 1, 28, 28)).sum().backward();
        Assert.All(na.parameters(), p => Assert.NotNull(p.grad));
    }

    [Fact]
    public void SetDropPathProgress_SetsLinearScheduleInTimeAndDepth()
    {
        var config = Small with { DropPathKeepProb = 0.6, AuxHead = false };
        using var net = new ChildNetwork(Genotypes.NasNetA, config);
        var cells = net.CellModules;
        Assert.Equal(5, cells.Count);
        Assert.Equal(5, net.TotalCells); // 3N + 2

        Assert.All(cells, c => Assert.Equal(1.0, c.DropPathKeepProb));
        net.SetDropPathProgress(0.5);
        for (var i = 0; i < cells.Count; i++)
        {
            Assert.Equal(1 - 0.5 * (i + 1) / 5.0 * 0.4, cells[i].DropPathKeepProb, 12);
        }

        net.SetDropPathProgress(3.0); // t = min(1, step / total)
        Assert.Equal(0.6, cells[^1].DropPathKeepProb, 12);
        Assert.Equal(1 - 0.2 * 0.4, cells[0].DropPathKeepProb, 12);
    }

    [Fact]
    public void ScheduledKeepProb_ImageNetCounting_MatchesTfFormula()
    {
        // Large: K = 0.7, total cells 3N + 4 = 22; the last cell at the end of training keeps 0.7.
        Assert.Equal(0.7, DropPath.ScheduledKeepProb(0.7, 21, 22, 1.0), 12);
        Assert.Equal(1.0, DropPath.ScheduledKeepProb(0.7, 21, 22, 0.0), 12);
        Assert.Equal(1 - 0.25 * (11 / 22.0) * 0.3, DropPath.ScheduledKeepProb(0.7, 10, 22, 0.25), 12);
        using var net = new ChildNetwork(Genotypes.NasNetA, NetworkConfig.Mobile with { Cells = 1, NumConvFilters = 8, ImageSize = 32 });
        Assert.Equal(7, net.TotalCells);
    }

    [Fact]
    public void DropPath_TrainingDropsWholeExamplesAndEvalIsDeterministic()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        var x = torch.ones(4000, 2, 3, 3);
        var y = DropPath.Apply(x, 0.75);
        var perExample = y.reshape(4000, -1);
        var first = perExample[.., 0];
        Assert.True(perExample.eq(first.unsqueeze(1)).all().item<bool>()); // one draw per example
        var kept = first.gt(0).sum().item<long>();
        Assert.InRange(kept, 2850, 3150);
        Assert.True(first.eq(0).logical_or(first.sub(1 / 0.75).abs().lt(1e-5)).all().item<bool>());

        var config = Small with { DropPathKeepProb = 0.2, AuxHead = false, ImageSize = 16 };
        using var net = new ChildNetwork(Genotypes.NasNetA, config);
        net.SetDropPathProgress(1.0);
        var input = torch.randn(8, 1, 16, 16);
        net.train();
        var a = net.call(input);
        var b = net.call(input);
        Assert.False(a.allclose(b)); // BN uses batch statistics both times: only drop-path differs
        net.eval();
        var c = net.call(input);
        var d = net.call(input);
        Assert.True(c.allclose(d, 0, 0));
    }

    [Fact]
    public void Train_TinyBatch_LossDrops()
    {
        torch.manual_seed(0);
        var config = Small with { ImageSize = 16, DropPathKeepProb = 0.8 };
        using var net = new ChildNetwork(Genotypes.NasNetA, config);
        using var x = torch.randn(16, 1, 16, 16);
        using var y = torch.arange(16, dtype: ScalarType.Int64).remainder(4);
        using var optimizer = torch.optim.Adam(net.parameters(), lr: 0.01);
        net.train();
        double first = 0, last = 0;
        // Tiny tensors: OpenMP barriers on a loaded 2-core machine cost ~10x more than one thread (measured).
        torch.set_num_threads(1);
        for (var step = 0; step < 20; step++)
        {
            using var scope = torch.NewDisposeScope();
            net.SetDropPathProgress(step / 20.0);
            optimizer.zero_grad();
            var logits = net.call(x);
            var loss = torch.nn.functional.cross_entropy(logits, y) + 0.4 * torch.nn.functional.cross_entropy(net.AuxLogits!, y);
            loss.backward();
            optimizer.step();
            last = loss.item<float>();
            if (step == 0)
            {
                first = last;
            }
        }

        Assert.True(last < 0.5 * first, $"loss {first} -> {last}");
    }

    [Fact]
    public void Module_StateDictKeys_AreStableLowerCaseNames()
    {
        using var net = new ChildNetwork(Genotypes.NasNetA, Small);
        var keys = net.state_dict().Keys.ToList();
        Assert.Contains("stem.conv.conv.weight", keys);
        Assert.Contains("cells.0.pre1.conv.conv.weight", keys);
        Assert.Contains("cells.0.ops.0.dw1.conv.weight", keys);
        Assert.Contains("classifier.weight", keys);
        Assert.Contains(keys, k => k.StartsWith("aux.", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_InvalidConfig_ThrowsUserErrorNamingField()
    {
        var e = Assert.Throws<UserErrorException>(() => new ChildNetwork(Genotypes.NasNetA, Small with { Cells = 0 }));
        Assert.Contains("'cells'", e.Message);
        e = Assert.Throws<UserErrorException>(() => new ChildNetwork(Genotypes.NasNetA, Small with { DropPathKeepProb = 0 }));
        Assert.Contains("'drop_path_keep_prob'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
