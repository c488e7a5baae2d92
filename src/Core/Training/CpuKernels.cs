using System.Runtime.InteropServices;

namespace NasNet.Core.Training;

/// <summary>
/// Switches off two of libtorch's CPU convolution back ends. TorchSharp has no API for <c>torch.backends.nnpack</c>
/// or <c>torch.backends.mkldnn</c>, so this calls <c>at::globalContext().setUserEnabledNNPACK/Mkldnn(false)</c> in
/// libtorch_cpu directly (Itanium C++ ABI: a member function takes <c>this</c> as its first argument).
/// <list type="bullet">
/// <item><b>NNPACK</b>: on CPUs where it cannot initialise (seen here: "Could not initialize NNPACK! Reason:
/// Unsupported hardware."), libtorch logs that warning on every convolution with a batch of 16 or more, flooding the
/// console and logs; the normal path is used anyway.</item>
/// <item><b>oneDNN (MKLDNN)</b>: measured here (libtorch 2.10 CPU, AMD EPYC), with it on the first backward pass of
/// many sampled NASNet cells (concat combines feeding depthwise/pointwise convolutions of odd widths) returned NaN
/// gradients — 6 to 9 of 12 random genotypes, varying from run to run — while with it off all 12 train. Cause:
/// oneDNN's blocked layout pads channels to a multiple of 16 (8 on AVX2) and its convolutions read that padding
/// unwritten, so leftover heap bytes that happen to be inf/NaN poison the output (forward when the input channels are
/// not a multiple of the block, backward when the output channels are not). Turning it off costs 19 % of training
/// speed at 1 thread and 43 % at 2 (bench/RESULTS.md, Training throughput).</item>
/// </list>
/// </summary>
public static partial class CpuKernels
{
    private static int _nnpackDone;
    private static int _oneDnnDone;

    /// <summary>Disables NNPACK once per process; false when already done or libtorch_cpu's symbols are missing.</summary>
    public static bool DisableNnpack() =>
        Disable(ref _nnpackDone, c => SetUserEnabledNnpack(c, false), c => !UserEnabledNnpack(c));

    /// <summary>Disables oneDNN once per process; false when already done or libtorch_cpu's symbols are missing.</summary>
    public static bool DisableOneDnn() =>
        Disable(ref _oneDnnDone, c => SetUserEnabledMkldnn(c, false), c => !UserEnabledMkldnn(c));

    private static bool Disable(ref int done, Action<IntPtr> set, Func<IntPtr, bool> check)
    {
        if (Interlocked.Exchange(ref done, 1) == 1)
        {
            return false;
        }

        try
        {
            using (TorchSharp.torch.zeros(1)) { } // loads libtorch_cpu first
            set(GlobalContext());
            return check(GlobalContext());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static partial IntPtr GlobalContext();

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static partial void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static partial bool UserEnabledNnpack(IntPtr context);

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static partial void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static partial bool UserEnabledMkldnn(IntPtr context);
}
