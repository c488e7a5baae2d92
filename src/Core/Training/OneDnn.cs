using System.Runtime.InteropServices;

namespace NasNet.Core.Training;

/// <summary>
/// Turns off libtorch's oneDNN (MKLDNN) CPU convolution path. Measured here (libtorch 2.10 CPU, AMD EPYC): with it on,
/// the backward pass of many sampled NASNet cells (concat combines feeding depthwise/pointwise convolutions of odd
/// widths) returns NaN gradients at the first step — 9 of 12 random genotypes diverged — while with it off all 12
/// train; anomaly mode (which keeps extra tensors alive) hides it, so it looks like a kernel bug, not a model bug.
/// TorchSharp has no API for <c>torch.backends.mkldnn.enabled</c>, so this calls
/// <c>at::globalContext().setUserEnabledMkldnn(false)</c> in libtorch_cpu directly (as <see cref="Nnpack"/> does).
/// </summary>
public static partial class OneDnn
{
    private static int _done;

    /// <summary>Disables oneDNN once per process; false when libtorch_cpu or its symbols are not found.</summary>
    public static bool Disable()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1)
        {
            return false;
        }

        try
        {
            using (TorchSharp.torch.zeros(1)) { } // loads libtorch_cpu first
            SetUserEnabledMkldnn(GlobalContext(), false);
            return !UserEnabledMkldnn(GlobalContext());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static partial IntPtr GlobalContext();

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static partial void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static partial bool UserEnabledMkldnn(IntPtr context);
}
