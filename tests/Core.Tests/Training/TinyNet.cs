using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NasNet.Core.Tests.Training;

#pragma warning disable IDE1006 // submodule field names are checkpoint keys

/// <summary>A tiny CNN for trainer tests: conv-BN-ReLU, 2x2 average pool, dropout (draws from the torch generator), linear.</summary>
internal sealed class TinyNet : Module<Tensor, Tensor>
{
    private readonly Sequential body;
    private readonly Dropout drop;
    private readonly Linear head;

    public TinyNet(int channels, int classes, int imageSize = 8, int width = 8)
        : base(nameof(TinyNet))
    {
        body = Sequential(Conv2d(channels, width, 3, padding: 1, bias: false), BatchNorm2d(width), ReLU(), AvgPool2d(2), Flatten());
        drop = Dropout(0.2);
        head = Linear(width * (imageSize / 2) * (imageSize / 2), classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => head.call(drop.call(body.call(x)));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            body.Dispose();
            drop.Dispose();
            head.Dispose();
        }

        base.Dispose(disposing);
    }
}
