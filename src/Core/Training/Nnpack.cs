using System.Runtime.InteropServices;

namespace NasNet.Core.Training;

/// <summary>
/// Turns off libtorch's NNPACK convolution path. On CPUs where NNPACK cannot initialise (seen here: "Could not
/// initialize NNPACK! Reason: Unsupported hardware."), libtorch logs that warning on every convolution with a batch of
/// 16 or more, which floods the console and logs; the normal convolution path is used anyway. TorchSharp has no API for
/// <c>torch.backends.nnpack.set_flags</c>, so this calls <c>at::globalContext().setUserEnabledNNPACK(false)</c> in
/// libtorch_cpu directly (Itanium C++ ABI: the member function takes <c>this</c> as its first argument).
/// </summary>
public static partial class Nnpack
{
    private static int _done;

    /// <summary>Disables NNPACK once per process; false when libtorch_cpu or its symbols are not found.</summary>
    public static bool Disable()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1)
        {
            return false;
        }

        try
        {
            using (TorchSharp.torch.zeros(1)) { } // loads libtorch_cpu first
            SetUserEnabledNnpack(GlobalContext(), false);
            return !UserEnabledNnpack(GlobalContext());
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
}
