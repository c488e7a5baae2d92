using NasNet.Core.Runtime;
using TorchSharp;

namespace NasNet.Core.Tests;

public class TorchRuntimeTests
{
    [Fact]
    public void TorchSharp_NativeLibrary_LoadsAndComputes()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.ones(2, 3);
        Assert.Equal(6f, x.sum().item<float>());
    }

    [Fact]
    public void ChooseDevice_Auto_IsCpuWithoutCuda()
    {
        var device = TorchRuntime.ChooseDevice("auto");
        Assert.Equal(torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, device.type);
        Assert.Throws<ArgumentException>(() => TorchRuntime.ChooseDevice("tpu"));
    }
}
