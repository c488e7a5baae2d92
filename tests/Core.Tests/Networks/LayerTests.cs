using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using TorchSharp;
using static TorchSharp.torch;

namespace NasNet.Core.Tests.Networks;

/// <summary>TF SAME padding, pooling that excludes padding, factorized reduction, configs.</summary>
public sealed class LayerTests
{
    [Theory]
    [InlineData(32, 3, 2, 0, 1)]
    [InlineData(32, 5, 2, 1, 2)]
    [InlineData(32, 7, 2, 2, 3)]
    [InlineData(21, 3, 2, 1, 1)]
    [InlineData(21, 1, 2, 0, 0)]
    [InlineData(32, 3, 1, 1, 1)]
    public void Pads_TfSameRule_AsymmetricAtStride2(int size, int kernel, int stride, int before, int after)
    {
        Assert.Equal((before, after), ((int, int))SamePadding.Pads(size, kernel, stride));
    }

    [Fact]
    public void SameConv_Stride2EvenSize_PadsBottomRightOnly()
    {
        using var scope = torch.NewDisposeScope();
        using var conv = new SameConv(1, 1, (3, 3), (2, 2));
        using (torch.no_grad())
        {
            conv.Weight.fill_(1);
        }

        var x = torch.arange(16, dtype: ScalarType.Float32).reshape(1, 1, 4, 4);
        var y = conv.call(x);

        Assert.Equal([1L, 1L, 2L, 2L], y.shape);
        Assert.Equal(0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10, y[0, 0, 0, 0].item<float>());
        Assert.Equal(10 + 11 + 14 + 15, y[0, 0, 1, 1].item<float>());
        Assert.False(conv.Symmetric);
    }

    [Fact]
    public void AvgPool_Stride2Asymmetric_ExcludesPadding()
    {
        using var scope = torch.NewDisposeScope();
        var cfg = NetworkConfig.Cifar;
        using var pool = new Pool(false, 1, 1, 3, 2, cfg);
        var x = torch.arange(16, dtype: ScalarType.Float32).reshape(1, 1, 4, 4);

        var y = pool.call(x);

        Assert.Equal([1L, 1L, 2L, 2L], y.shape);
        // Pads (0, 1): window (0,0) = rows 0..2 x cols 0..2; window (1,1) = rows 2..3 x cols 2..3 (4 real cells).
        Assert.Equal((0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10) / 9f, y[0, 0, 0, 0].item<float>(), 4);
        Assert.Equal((10 + 11 + 14 + 15) / 4f, y[0, 0, 1, 1].item<float>(), 4);
        using var ones = pool.call(torch.ones(1, 1, 6, 6));
        Assert.True(ones.eq(1).all().item<bool>());
    }

    [Fact]
    public void MaxPool_Stride2Asymmetric_IgnoresPadding()
    {
        using var scope = torch.NewDisposeScope();
        using var pool = new Pool(true, 1, 1, 3, 2, NetworkConfig.Cifar);
        var y = pool.call(torch.full(1, 1, 4, 4, -5f));
        Assert.Equal([1L, 1L, 2L, 2L], y.shape);
        Assert.True(y.eq(-5f).all().item<bool>());
    }

    [Theory]
    [InlineData(3, 2, 32)]
    [InlineData(5, 2, 32)]
    [InlineData(7, 2, 21)]
    [InlineData(3, 1, 21)]
    public void Operations_EveryOp_GivesSameOutputSize(int _, int stride, int size)
    {
        using var scope = torch.NewDisposeScope();
        foreach (var op in Operations.Seed14)
        {
            using var m = OpFactory.Create(op, 6, 4, stride, NetworkConfig.Cifar);
            var y = m.call(torch.randn(2, 6, size, size));
            var expected = (size + stride - 1) / stride;
            Assert.True(y.shape.SequenceEqual(new long[] { 2, 4, expected, expected }), $"{op}: [{string.Join(",", y.shape)}]");
        }
    }

    [Fact]
    public void SepConvStack_SecondPointwiseExists_AppliedTwice()
    {
        using var m = OpFactory.Create(Operations.SepConv5x5, 6, 4, 2, NetworkConfig.Cifar);
        // depthwise 6x25 + pointwise 6x4 + BN 8, then depthwise 4x25 + pointwise 4x4 + BN 8; no biases.
        Assert.Equal(6 * 25 + 6 * 4 + 8 + 4 * 25 + 4 * 4 + 8, m.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Identity_StrideOrWidthMismatch_BecomesConv1x1()
    {
        using var same = OpFactory.Create(Operations.Identity, 4, 4, 1, NetworkConfig.Cifar);
        using var strided = OpFactory.Create(Operations.Identity, 4, 4, 2, NetworkConfig.Cifar);
        using var wider = OpFactory.Create(Operations.Identity, 6, 4, 1, NetworkConfig.Cifar);
        Assert.Empty(same.parameters());
        Assert.Equal(16 + 8, strided.parameters().Sum(p => p.numel()));
        Assert.Equal(24 + 8, wider.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void FactorizedReduce_OddSize_ShiftedPathsToCeilHalf()
    {
        using var scope = torch.NewDisposeScope();
        using var fr = new FactorizedReduce(1, 2, 2, NetworkConfig.Cifar);
        using (torch.no_grad())
        {
            foreach (var p in fr.parameters())
            {
                p.fill_(1);
            }
        }

        fr.eval(); // BN with fresh running stats: identity up to eps
        var x = torch.arange(1, 21 * 21 + 1, dtype: ScalarType.Float32).reshape(1, 1, 21, 21);
        var y = fr.call(x);

        Assert.Equal([1L, 2L, 11L, 11L], y.shape);
        var scale = 1 / Math.Sqrt(1 + 1e-5);
        Assert.Equal(x[0, 0, 2, 4].item<float>() * scale + 1, y[0, 0, 1, 2].item<float>(), 2); // path 1: (2i, 2j)
        Assert.Equal(x[0, 0, 3, 5].item<float>() * scale + 1, y[0, 1, 1, 2].item<float>(), 2); // path 2: (2i+1, 2j+1)
        Assert.Equal(1f, y[0, 1, 10, 10].item<float>(), 4); // path 2 reads the zero padding at the border
    }

    [Fact]
    public void NetworkConfig_NamedAndPenultimateFilters_FollowNAtFNotation()
    {
        Assert.Equal(NetworkConfig.Mobile, NetworkConfig.Named("MOBILE"));
        Assert.Throws<UserErrorException>(() => NetworkConfig.Named("huge"));
        Assert.Equal(32, NetworkConfig.Cifar.WithPenultimateFilters(768, Genotypes.NasNetA).NumConvFilters);
        Assert.Equal(44, NetworkConfig.Mobile.WithPenultimateFilters(1056, Genotypes.NasNetA).NumConvFilters);
        Assert.Equal(168, NetworkConfig.Large.WithPenultimateFilters(4032, Genotypes.NasNetA).NumConvFilters);
        var e = Assert.Throws<UserErrorException>(() => NetworkConfig.Cifar.WithPenultimateFilters(1538, Genotypes.NasNetA));
        Assert.Contains("24", e.Message);
        Assert.Equal(64, NetworkConfig.Cifar.WithPenultimateFilters(1538, Genotypes.NasNetA, exact: false).NumConvFilters);
        Assert.Equal(2, NetworkConfig.Cifar.WithPenultimateFilters(5, Genotypes.NasNetA, exact: false).NumConvFilters); // at least 2: one filter per cell diverges
        Assert.Throws<UserErrorException>(() => NetworkConfig.Cifar.WithPenultimateFilters(24, Genotypes.NasNetA));

        // A sampled cell (paper concat rule) concatenating 2 states, one a concat block: width 3, F = 12 x filters.
        var cell = new CellGenotype(
            [
                new Block(0, 1, Operations.Conv3x3, Operations.Conv1x1, Combine.Concat),
                new Block(0, 1, Operations.Conv3x3, Operations.Conv1x1, Combine.Add),
            ],
            [2, 3]);
        Assert.Equal(10, NetworkConfig.Cifar.WithPenultimateFilters(120, new Genotype(cell, cell)).NumConvFilters);
    }

    /// <summary>
    /// Depthwise convolutions wider than 3 run as a sum of column slices (so oneDNN's jit depthwise kernel does the
    /// weight gradient): output and both gradients equal one conv2d with TF SAME padding.
    /// </summary>
    [Theory]
    [InlineData(5, 1, 16)]
    [InlineData(7, 1, 15)]
    [InlineData(5, 2, 16)]
    [InlineData(7, 2, 21)]
    public void SameConv_WideDepthwise_EqualsOneConvolution(int kernel, int stride, int size)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        const int C = 6;
        using var conv = new SameConv(C, C, (kernel, kernel), (stride, stride), groups: C);
        var x = torch.randn(4, C, size, size).requires_grad_(true);
        var y = conv.call(x);
        var gy = torch.randn_like(y);
        y.backward([gy]);
        var dx = x.grad!.clone();
        var dw = conv.Weight.grad!.clone();

        var xr = x.detach().clone().requires_grad_(true);
        var wr = conv.Weight.detach().clone().requires_grad_(true);
        var (top, bottom) = SamePadding.Pads(size, kernel, stride);
        var (left, right) = SamePadding.Pads(size, kernel, stride);
        var yr = torch.nn.functional.conv2d(torch.nn.functional.pad(xr, [left, right, top, bottom]), wr, null, [stride, stride], [0, 0], [1, 1], C);
        yr.backward([gy]);

        Assert.Equal(yr.shape, y.shape);
        Assert.True(y.allclose(yr, rtol: 1e-4, atol: 1e-5));
        Assert.True(dx.allclose(xr.grad!, rtol: 1e-4, atol: 1e-5));
        Assert.True(dw.allclose(wr.grad!, rtol: 1e-4, atol: 1e-4));
    }

    /// <summary>Max pooling from 5x5 up runs as 1xK then Kx1: the same output and gradient as one KxK pooling.</summary>
    [Theory]
    [InlineData(5, 1, 16)]
    [InlineData(7, 1, 16)]
    [InlineData(5, 2, 16)]
    [InlineData(7, 2, 15)]
    [InlineData(3, 1, 16)]
    public void MaxPool_Separable_EqualsTwoDimensional(int kernel, int stride, int size)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(4);
        using var pool = new Pool(true, 3, 3, kernel, stride, NetworkConfig.Cifar);
        var x = torch.randn(2, 3, size, size).requires_grad_(true);
        var y = pool.call(x);
        var gy = torch.randn_like(y);
        y.backward([gy]);

        var xr = x.detach().clone().requires_grad_(true);
        var (top, bottom) = SamePadding.Pads(size, kernel, stride);
        var (left, right) = SamePadding.Pads(size, kernel, stride);
        var yr = torch.nn.functional.max_pool2d(torch.nn.functional.pad(xr, [left, right, top, bottom], value: double.NegativeInfinity), [kernel, kernel], [stride, stride]);
        yr.backward([gy]);

        Assert.True(y.equal(yr).all().item<bool>());
        Assert.True(x.grad!.allclose(xr.grad!, rtol: 1e-5, atol: 1e-6)); // random inputs: no ties; overlapping windows add in another order
    }
}
