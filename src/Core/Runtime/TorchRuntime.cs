using System.Runtime.InteropServices;
using TorchSharp;

namespace NasNet.Core.Runtime;

/// <summary>
/// Process-wide TorchSharp set-up for training processes: glibc malloc tuning, thread count and device choice.
/// </summary>
public static partial class TorchRuntime
{
    private static int _mallocTuned;

    /// <summary>
    /// Keeps glibc from serving every large tensor with a fresh mmap (and page-faulting it in): about 2x faster CPU
    /// training with TorchSharp (measured, ../shared/notes/torchsharp.md §8). Safe to call more than once.
    /// </summary>
    public static bool TuneMalloc()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _mallocTuned, 1) == 1)
        {
            return false;
        }

        try
        {
            // Arenas: each training thread would otherwise get its own arena, each keeping up to trim threshold +
            // top pad of freed memory: a 24-candidate demo grew past 24 GB. Two arenas and smaller retention bound it.
            const int MmapThreshold = -3, TrimThreshold = -1, TopPad = -2, ArenaMax = -8;
            return Mallopt(MmapThreshold, 32 << 20) == 1
                & Mallopt(TrimThreshold, 256 << 20) == 1
                & Mallopt(TopPad, 64 << 20) == 1
                & Mallopt(ArenaMax, 2) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc (e.g. musl): nothing to tune
        }
    }

    /// <summary>
    /// Gives the free memory inside glibc's arenas back to the system (<c>malloc_trim(0)</c>): call it after each
    /// training. Without it the freed activations of finished trainings stay mapped, fragmented between live
    /// blocks, and a CPU silo that trains one candidate after another grows (bench/Memory: 2.2 to 3.7 GB in 8
    /// candidates). Returns false where there is nothing to call (not glibc).
    /// </summary>
    public static bool ReleaseFreeMemory()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            MallocTrim(0);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The device to train on: CUDA when available (and not disabled), else CPU.</summary>
    public static torch.Device ChooseDevice(string? preference = null)
    {
        var pref = (preference ?? "auto").Trim().ToLowerInvariant();
        return pref switch
        {
            "cpu" => torch.CPU,
            "cuda" => torch.cuda.is_available()
                ? torch.CUDA
                : throw new InvalidOperationException("device 'cuda' was asked for but CUDA is not available; use --device cpu or a CUDA build (-p:NasNetTorchBackend=cuda)"),
            "auto" => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
            _ => throw new ArgumentException($"unknown device '{preference}': use auto, cpu or cuda"),
        };
    }

    /// <summary>Number of CUDA devices (0 on a CPU build or a machine without GPUs).</summary>
    public static int CudaDeviceCount()
    {
        try
        {
            return torch.cuda.is_available() ? torch.cuda.device_count() : 0;
        }
        catch (Exception)
        {
            return 0;
        }
    }

    /// <summary>A one-line description of the device, for logs and the console.</summary>
    public static string Describe(torch.Device device) =>
        device.type == DeviceType.CUDA
            ? $"cuda:{device.index} ({CudaDeviceCount()} CUDA device(s))"
            : $"cpu ({torch.get_num_threads()} thread(s))";

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int param, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
