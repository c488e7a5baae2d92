using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

#pragma warning disable IDE1006 // submodule fields are lower-case: they are checkpoint keys

namespace NasNet.Core.Networks;

/// <summary>
/// The CIFAR ResNet of He et al. 2016 (§4.2): a 3x3 convolution of 16 filters, then 3 stages of n basic blocks
/// (16, 32, 64 filters; stride 2 at the first block of stages 2 and 3), global average pooling and a linear classifier,
/// depth 6n + 2 (ResNet-20: n = 3, about 0.27 M parameters). Shortcuts that change shape are a 1x1 convolution and
/// BatchNorm (the paper's option B), so the network works for any input size and channel count. The hand-designed
/// reference that NAS papers (and NAS-Bench-201) compare found cells with.
/// </summary>
public sealed class ResNet : Module<Tensor, Tensor>
{
    private readonly Sequential stem;
    private readonly ModuleList<BasicBlock> blocks = new();
    private readonly Linear classifier;
    private readonly int _width;
    private readonly int _perStage;
    private readonly long _inChannels;

    /// <param name="depth">6n + 2: 20, 32, 44, 56, 110.</param>
    /// <param name="inChannels">Image channels.</param>
    /// <param name="classes">Classes.</param>
    /// <param name="width">Filters of the first stage (16 in the paper; doubled per stage).</param>
    public ResNet(int depth, long inChannels, long classes, int width = 16) : base($"ResNet{depth}")
    {
        if (depth < 8 || (depth - 2) % 6 != 0 || width < 1)
        {
            throw new UserErrorException($"ResNet depth must be 6n + 2 (20, 32, 44, 56, 110) and width positive (got depth {depth}, width {width})");
        }

        _width = width;
        _perStage = (depth - 2) / 6;
        _inChannels = inChannels;
        stem = Sequential(Conv2d(inChannels, width, 3, padding: 1, bias: false), BatchNorm2d(width), ReLU());
        long cin = width;
        for (var stage = 0; stage < 3; stage++)
        {
            long cout = width << stage;
            for (var b = 0; b < _perStage; b++)
            {
                blocks.Add(new BasicBlock(cin, cout, stage > 0 && b == 0 ? 2 : 1));
                cin = cout;
            }
        }

        classifier = Linear(cin, classes);
        RegisterComponents();
        foreach (var (_, m) in named_modules())
        {
            if (m is Conv2d conv)
            {
                init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
            }
        }
    }

    /// <summary>Trainable parameters.</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>Multiply-adds of one image of <paramref name="imageSize"/> x <paramref name="imageSize"/> (convolutions and the classifier).</summary>
    public long MultAdds(int imageSize)
    {
        long size = imageSize;
        long macs = 9L * _inChannels * _width * size * size;
        long cin = _width;
        for (var stage = 0; stage < 3; stage++)
        {
            long cout = (long)_width << stage;
            for (var b = 0; b < _perStage; b++)
            {
                var stride = stage > 0 && b == 0 ? 2 : 1;
                var outSize = (size + stride - 1) / stride;
                macs += 9L * cin * cout * outSize * outSize + 9L * cout * cout * outSize * outSize;
                if (stride != 1 || cin != cout)
                {
                    macs += cin * cout * outSize * outSize;
                }

                size = outSize;
                cin = cout;
            }
        }

        return macs + cin * classifier.out_features;
    }

    public override Tensor forward(Tensor x)
    {
        var h = stem.call(x);
        foreach (var block in blocks)
        {
            h = block.call(h);
        }

        return classifier.call(functional.adaptive_avg_pool2d(h, 1).flatten(1));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            stem.Dispose();
            blocks.Dispose();
            classifier.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Two 3x3 convolutions with BatchNorm and a shortcut (identity, or 1x1 convolution + BN when the shape changes).</summary>
    private sealed class BasicBlock : Module<Tensor, Tensor>
    {
        private readonly Sequential body;
        private readonly Sequential? shortcut;

        public BasicBlock(long cin, long cout, long stride) : base(nameof(BasicBlock))
        {
            body = Sequential(
                Conv2d(cin, cout, 3, stride: stride, padding: 1, bias: false), BatchNorm2d(cout), ReLU(),
                Conv2d(cout, cout, 3, padding: 1, bias: false), BatchNorm2d(cout));
            shortcut = stride != 1 || cin != cout ? Sequential(Conv2d(cin, cout, 1, stride: stride, bias: false), BatchNorm2d(cout)) : null;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => functional.relu(body.call(x) + (shortcut?.call(x) ?? x));

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                body.Dispose();
                shortcut?.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>The hand-designed networks a final evaluation compares found cells with, by name.</summary>
public static class ReferenceNetworks
{
    /// <summary>The names accepted (architecture strings of reference rows).</summary>
    public static readonly IReadOnlyList<string> Names = ["resnet-8", "resnet-14", "resnet-20", "resnet-32", "resnet-56"];

    /// <summary>True when <paramref name="architecture"/> names a reference network rather than a cell.</summary>
    public static bool IsReference(string architecture) => Names.Contains(architecture.Trim());

    /// <summary>Builds a reference network for images of <paramref name="channels"/> channels and <paramref name="classes"/> classes.</summary>
    public static ResNet Build(string name, long channels, long classes) => IsReference(name)
        ? new ResNet(int.Parse(name.Trim()["resnet-".Length..], System.Globalization.CultureInfo.InvariantCulture), channels, classes)
        : throw new UserErrorException($"unknown reference network '{name}': use one of {string.Join(", ", Names)}");
}
