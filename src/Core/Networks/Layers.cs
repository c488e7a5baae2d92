using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

#pragma warning disable IDE1006 // submodule fields are lower-case: they are checkpoint keys

namespace NasNet.Core.Networks;

/// <summary>TF SAME padding arithmetic (spec §2.3): out = ceil(in / s), total pad split floor(total / 2) before.</summary>
public static class SamePadding
{
    /// <summary>Output size of a SAME layer.</summary>
    public static long OutSize(long size, long stride) => (size + stride - 1) / stride;

    /// <summary>(before, after) padding of a SAME layer with effective kernel <paramref name="kernel"/>.</summary>
    public static (long Before, long After) Pads(long size, long kernel, long stride)
    {
        var total = Math.Max(0, (OutSize(size, stride) - 1) * stride + kernel - size);
        return (total / 2, total - total / 2);
    }
}

/// <summary>Counts multiply-adds of the convolutions and linear layers run on this thread while a count is open.</summary>
internal static class MacCounter
{
    [ThreadStatic]
    private static long[]? _current;

    public static bool Active => _current is not null;

    public static void Add(long macs)
    {
        if (_current is not null)
        {
            _current[0] += macs;
        }
    }

    /// <summary>Runs <paramref name="action"/> and returns the multiply-adds it counted.</summary>
    public static long Count(Action action)
    {
        var previous = _current;
        _current = [0];
        try
        {
            action();
            return _current[0];
        }
        finally
        {
            _current = previous;
        }
    }
}

/// <summary>
/// A bias-free convolution with TF SAME padding: symmetric padding is given to the convolution, asymmetric padding
/// (stride 2 on even sizes) is applied explicitly first. Counts its multiply-adds when a count is open.
/// </summary>
internal sealed class SameConv : Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly (long H, long W) _kernel;
    private readonly (long H, long W) _stride;
    private readonly long _dilation;
    private readonly long _macsPerOutput;
    private readonly (long, long) _pad;
    private readonly long _out;
    private readonly long _groups;
    private readonly bool _columnSplit;

    public SameConv(long cin, long cout, (long H, long W) kernel, (long H, long W) stride, long groups = 1, long dilation = 1, bool valid = false)
        : base(nameof(SameConv))
    {
        _kernel = kernel;
        _stride = stride;
        _dilation = dilation;
        Valid = valid;
        var symmetric = valid || (stride.H == 1 && stride.W == 1);
        var pad = valid ? (0L, 0L) : symmetric ? ((kernel.H - 1) * dilation / 2, (kernel.W - 1) * dilation / 2) : (0L, 0L);
        _pad = pad;
        _out = cout;
        conv = Conv2d(cin, cout, kernel, stride, pad, (dilation, dilation), groups: groups, bias: false, device: Layers.BuildDevice);
        _groups = groups;
        _columnSplit = groups > 1 && groups == cin && cin == cout && dilation == 1 && kernel.W > 3 && !valid;
        _macsPerOutput = cin / groups * kernel.H * kernel.W;
        Symmetric = symmetric;
        RegisterComponents();
    }

    public bool Symmetric { get; }

    public bool Valid { get; }

    public Parameter Weight => conv.weight!;

    public override Tensor forward(Tensor x)
    {
        if (_columnSplit && x.device_type == DeviceType.CPU)
        {
            return ColumnSplit(x);
        }

        if (!Symmetric)
        {
            var (top, bottom) = SamePadding.Pads(x.shape[2], (_kernel.H - 1) * _dilation + 1, _stride.H);
            var (left, right) = SamePadding.Pads(x.shape[3], (_kernel.W - 1) * _dilation + 1, _stride.W);
            if (top + bottom + left + right > 0)
            {
                x = functional.pad(x, [left, right, top, bottom]);
            }
        }

        // libtorch has no meta kernel for convolution: compute the shape (the meta device is for counting).
        var y = x.device_type == DeviceType.META ? MetaConv(x) : conv.call(x);
        if (MacCounter.Active)
        {
            MacCounter.Add(y.shape[1] * y.shape[2] * y.shape[3] * _macsPerOutput);
        }

        return y;
    }

    /// <summary>
    /// A depthwise KxK convolution (K &gt; 3) as the sum of depthwise Kx3 (and Kx2, Kx1) convolutions over column
    /// slices of the padded input: the same multiply-adds and parameters, another summation order. oneDNN 3.7's
    /// depthwise kernel has no weight-gradient path for kernels wider than 3 and falls back to im2col + a GEMM per
    /// channel, which was 38 % of oneDNN's time in a NASNet-A training step (sep_conv_5x5/7x7: 83 ms for one 5x5 at
    /// 64x4x32x32, ONEDNN_VERBOSE); every piece here runs on its jit depthwise kernel, forward and backward.
    /// </summary>
    private Tensor ColumnSplit(Tensor x)
    {
        var (top, bottom) = SamePadding.Pads(x.shape[2], _kernel.H, _stride.H);
        var (left, right) = SamePadding.Pads(x.shape[3], _kernel.W, _stride.W);
        var outW = SamePadding.OutSize(x.shape[3], _stride.W);
        var padded = top + bottom + left + right > 0 ? functional.pad(x, [left, right, top, bottom]) : x;
        var weight = conv.weight!;
        Tensor? y = null;
        for (long c0 = 0; c0 < _kernel.W; c0 += 3)
        {
            var kw = Math.Min(3, _kernel.W - c0);
            var columns = padded[.., .., .., TensorIndex.Slice(c0, c0 + (_stride.W * (outW - 1)) + kw)];
            var part = functional.conv2d(columns, weight[.., .., .., TensorIndex.Slice(c0, c0 + kw)], null, [_stride.H, _stride.W], [0, 0], [1, 1], _groups);
            y = y is null ? part : y.add_(part);
        }

        if (MacCounter.Active)
        {
            MacCounter.Add(y!.shape[1] * y.shape[2] * y.shape[3] * _macsPerOutput);
        }

        return y!;
    }

    private Tensor MetaConv(Tensor x)
    {
        var pad = _pad;
        var h = (x.shape[2] + 2 * pad.Item1 - _dilation * (_kernel.H - 1) - 1) / _stride.H + 1;
        var w = (x.shape[3] + 2 * pad.Item2 - _dilation * (_kernel.W - 1) - 1) / _stride.W + 1;
        return torch.empty([x.shape[0], _out, h, w], dtype: x.dtype, device: x.device);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>Shared constructors of the small blocks.</summary>
internal static class Layers
{
    [ThreadStatic]
    private static Device? _buildDevice;

    /// <summary>Device new layers are created on, on this thread (null: TorchSharp's default, the CPU).</summary>
    public static Device? BuildDevice => _buildDevice;

    public static BatchNorm2d Bn(long c, NetworkConfig cfg) => BatchNorm2d(c, cfg.BatchNormEpsilon, cfg.BatchNormMomentum, device: _buildDevice);

    /// <summary>A linear layer on the build device.</summary>
    public static Linear Fc(long inputs, long outputs) => Linear(inputs, outputs, device: _buildDevice);

    /// <summary>
    /// Builds modules directly on <paramref name="device"/> on this thread only (the meta device: no memory, no
    /// initialisation cost, for counting); unlike torch.set_default_device this does not affect other threads.
    /// </summary>
    public static T BuildOn<T>(Device device, Func<T> build)
    {
        var previous = _buildDevice;
        _buildDevice = device;
        try
        {
            return build();
        }
        finally
        {
            _buildDevice = previous;
        }
    }

    /// <summary>ReLU (not in place); on the meta device passes the shape through.</summary>
    public static Tensor Relu(Tensor x) => x.device_type == DeviceType.META ? x.alias() : functional.relu(x);

    /// <summary>Applies BatchNorm; on the meta device (shape-only counting, no meta kernel) passes the shape through.</summary>
    public static Tensor Norm(BatchNorm2d bn, Tensor x) => x.device_type == DeviceType.META ? x.alias() : bn.call(x);
}

/// <summary>[ReLU] -> conv (SAME, or VALID) -> BN: TF's 1x1 squeeze, strided identity, conv_1x1, conv_3x3 and the stems.</summary>
internal sealed class ReluConvBn : Module<Tensor, Tensor>
{
    private readonly SameConv conv;
    private readonly BatchNorm2d bn;
    private readonly bool _relu;

    public ReluConvBn(long cin, long cout, long kernel, long stride, NetworkConfig cfg, bool relu = true, bool valid = false)
        : base(nameof(ReluConvBn))
    {
        _relu = relu;
        conv = new SameConv(cin, cout, (kernel, kernel), (stride, stride), valid: valid);
        bn = Layers.Bn(cout, cfg);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Layers.Norm(bn, conv.call(_relu ? Layers.Relu(x) : x));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv.Dispose();
            bn.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// TF's stacked separable conv applied twice (spec §2.3): [ReLU -> depthwise KxK (stride s) -> pointwise to F -> BN]
/// -> [ReLU -> depthwise KxK -> pointwise -> BN]. No bias, nothing between depthwise and pointwise.
/// </summary>
internal sealed class SepConvStack : Module<Tensor, Tensor>
{
    private readonly SameConv dw1;
    private readonly SameConv pw1;
    private readonly BatchNorm2d bn1;
    private readonly SameConv dw2;
    private readonly SameConv pw2;
    private readonly BatchNorm2d bn2;

    public SepConvStack(long cin, long cout, long kernel, long stride, NetworkConfig cfg)
        : base(nameof(SepConvStack))
    {
        dw1 = new SameConv(cin, cin, (kernel, kernel), (stride, stride), groups: cin);
        pw1 = new SameConv(cin, cout, (1, 1), (1, 1));
        bn1 = Layers.Bn(cout, cfg);
        dw2 = new SameConv(cout, cout, (kernel, kernel), (1, 1), groups: cout);
        pw2 = new SameConv(cout, cout, (1, 1), (1, 1));
        bn2 = Layers.Bn(cout, cfg);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = Layers.Norm(bn1, pw1.call(dw1.call(Layers.Relu(x))));
        return Layers.Norm(bn2, pw2.call(dw2.call(Layers.Relu(y))));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            dw1.Dispose();
            pw1.Dispose();
            bn1.Dispose();
            dw2.Dispose();
            pw2.Dispose();
            bn2.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// dil_conv_3x3 as in DARTS/NNI (whose op names the genotype uses): ReLU -> depthwise 3x3 dilation 2 -> pointwise -> BN.
/// </summary>
internal sealed class DilConv : Module<Tensor, Tensor>
{
    private readonly SameConv dw;
    private readonly SameConv pw;
    private readonly BatchNorm2d bn;

    public DilConv(long cin, long cout, long kernel, long stride, NetworkConfig cfg)
        : base(nameof(DilConv))
    {
        dw = new SameConv(cin, cin, (kernel, kernel), (stride, stride), groups: cin, dilation: 2);
        pw = new SameConv(cin, cout, (1, 1), (1, 1));
        bn = Layers.Bn(cout, cfg);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Layers.Norm(bn, pw.call(dw.call(Layers.Relu(x))));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            dw.Dispose();
            pw.Dispose();
            bn.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>1xK then Kx1 convolution (DARTS/NNI conv_7x1_1x7 form): ReLU -> conv 1xK -> conv Kx1 -> BN.</summary>
internal sealed class FactorizedConv : Module<Tensor, Tensor>
{
    private readonly SameConv conv1;
    private readonly SameConv conv2;
    private readonly BatchNorm2d bn;

    public FactorizedConv(long cin, long cout, long kernel, long stride, NetworkConfig cfg)
        : base(nameof(FactorizedConv))
    {
        conv1 = new SameConv(cin, cin, (1, kernel), (1, stride));
        conv2 = new SameConv(cin, cout, (kernel, 1), (stride, 1));
        bn = Layers.Bn(cout, cfg);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Layers.Norm(bn, conv2.call(conv1.call(Layers.Relu(x))));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            conv2.Dispose();
            bn.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// Average or max pooling with TF SAME padding; average pooling excludes padded cells also when the padding is
/// asymmetric (a sum over the padded input divided by the count of real cells). When the input width differs from F
/// a 1x1 conv + BN (no ReLU) follows, as in TF.
/// </summary>
internal sealed class Pool : Module<Tensor, Tensor>
{
    private readonly ReluConvBn? proj;
    private readonly bool _max;
    private readonly long _kernel;
    private readonly long _stride;

    public Pool(bool max, long cin, long cout, long kernel, long stride, NetworkConfig cfg)
        : base(nameof(Pool))
    {
        _max = max;
        _kernel = kernel;
        _stride = stride;
        proj = cin != cout ? new ReluConvBn(cin, cout, 1, 1, cfg, relu: false) : null;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var (top, bottom) = SamePadding.Pads(x.shape[2], _kernel, _stride);
        var (left, right) = SamePadding.Pads(x.shape[3], _kernel, _stride);
        var k = new[] { _kernel, _kernel };
        var s = new[] { _stride, _stride };
        Tensor y;
        if (top == bottom && left == right)
        {
            var p = new[] { top, left };
            y = _max
                ? MaxPool(x, top, left)
                : functional.avg_pool2d(x, k, s, p, count_include_pad: false);
        }
        else if (_max)
        {
            y = MaxPool(functional.pad(x, [left, right, top, bottom], value: double.NegativeInfinity), 0, 0);
        }
        else
        {
            using var ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype: x.dtype, device: x.device);
            using var paddedOnes = functional.pad(ones, [left, right, top, bottom]);
            using var count = functional.avg_pool2d(paddedOnes, k, s);
            using var mean = functional.avg_pool2d(functional.pad(x, [left, right, top, bottom]), k, s);
            y = mean.div(count);
        }

        return proj is null ? y : proj.call(y);
    }

    /// <summary>
    /// Max pooling with symmetric padding. From 5x5 up it is done as 1xK then Kx1 (the same maximum, exactly):
    /// libtorch's NCHW max-pool kernel is a scalar, branchy loop that also records indices, and was 36 % of a sampled
    /// child's training CPU time (perf, a cell with max_pool_5x5 and max_pool_7x7); separable it costs 2K instead of
    /// K^2 comparisons per output: 7x7 at 64x12x28x28 took 125 -> 48 ms forward, 129 -> 62 ms forward + backward
    /// (thread CPU time); at 3x3 it does not pay (about equal at stride 1, slower at stride 2).
    /// </summary>
    private Tensor MaxPool(Tensor x, long padH, long padW)
    {
        if (_kernel < 5)
        {
            return functional.max_pool2d(x, [_kernel, _kernel], [_stride, _stride], [padH, padW]);
        }

        var rows = functional.max_pool2d(x, [1, _kernel], [1, _stride], [0, padW]);
        return functional.max_pool2d(rows, [_kernel, 1], [_stride, 1], [padH, 0]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            proj?.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// TF factorized_reduction (spec §1.6). Stride 2: path 1 takes every 2nd pixel from (0,0), path 2 the same after a
/// one-pixel shift (zero pad bottom/right, drop first row/column); each 1x1 conv to F/2 (the second takes the rest
/// when F is odd); concat; BN. Works for odd sizes (21 -> 11). Stride 1: 1x1 conv + BN. No ReLU inside.
/// </summary>
internal sealed class FactorizedReduce : Module<Tensor, Tensor>
{
    private readonly SameConv path1;
    private readonly SameConv? path2;
    private readonly BatchNorm2d bn;

    public FactorizedReduce(long cin, long cout, long stride, NetworkConfig cfg)
        : base(nameof(FactorizedReduce))
    {
        if (stride == 1)
        {
            path1 = new SameConv(cin, cout, (1, 1), (1, 1));
        }
        else
        {
            path1 = new SameConv(cin, cout / 2, (1, 1), (1, 1));
            path2 = new SameConv(cin, cout - cout / 2, (1, 1), (1, 1));
        }

        bn = Layers.Bn(cout, cfg);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (path2 is null)
        {
            return Layers.Norm(bn, path1.call(x));
        }

        var a = path1.call(x[.., .., TensorIndex.Slice(0, null, 2), TensorIndex.Slice(0, null, 2)]);
        var shifted = functional.pad(x, [0, 1, 0, 1])[.., .., TensorIndex.Slice(1, null, 2), TensorIndex.Slice(1, null, 2)];
        var b = path2.call(shifted);
        return Layers.Norm(bn, torch.cat([a, b], 1));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            path1.Dispose();
            path2?.Dispose();
            bn.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>ReLU followed by a module (TF adds a ReLU before the h[i-1] reductions).</summary>
internal sealed class ReluThen : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> op;

    public ReluThen(Module<Tensor, Tensor> inner)
        : base(nameof(ReluThen))
    {
        op = inner;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => op.call(Layers.Relu(x));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            op.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>A pass-through.</summary>
internal sealed class PassThrough : Module<Tensor, Tensor>
{
    public PassThrough()
        : base(nameof(PassThrough))
    {
    }

    public override Tensor forward(Tensor x) => x;
}
