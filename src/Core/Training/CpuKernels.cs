using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace NasNet.Core.Training;

/// <summary>How libtorch's oneDNN convolutions are used in this process, decided once by <see cref="CpuKernels.ConfigureOneDnn"/>.</summary>
/// <param name="Enabled">oneDNN convolutions are on (the guard in <see cref="ChildTrainer"/> still re-runs a bad step without them).</param>
/// <param name="Reason">Why: the environment variable, the start-up self-test's result, or missing symbols.</param>
/// <param name="SelfTestBadSteps">Steps of the self-test that gave a non-finite output or gradient (0 when it passed or did not run).</param>
public sealed record OneDnnStatus(bool Enabled, string Reason, int SelfTestBadSteps);

/// <summary>
/// libtorch's CPU convolution back ends. TorchSharp has no API for <c>torch.backends.nnpack</c> or
/// <c>torch.backends.mkldnn</c>, so this calls <c>at::globalContext().setUserEnabledNNPACK/Mkldnn</c> in libtorch_cpu
/// directly (Itanium C++ ABI: a member function takes <c>this</c> as its first argument).
/// <list type="bullet">
/// <item><b>NNPACK</b> is turned off: on CPUs where it cannot initialise ("Could not initialize NNPACK! Reason:
/// Unsupported hardware.") libtorch logs that warning on every convolution with a batch of 16 or more.</item>
/// <item><b>oneDNN</b> stays on where it is safe: without it libtorch runs a grouped (depthwise) convolution as one
/// small convolution per channel, and training is 19 % (1 thread) to 43 % (2 threads) slower (bench/RESULTS.md).
/// On one machine (AVX-512) its convolutions read the never-written channel padding of its blocked layout when the
/// channel count is not a multiple of the block, so leftover NaN in reused heap memory poisoned outputs and
/// gradients; on this project's AVX2 machine the same repro (heap filled with NaN first) gives none. So the process
/// runs that repro once at start-up (<see cref="ConfigureOneDnn"/>) and turns oneDNN off where it fails, and the
/// trainer re-runs any step with a non-finite loss or gradient without oneDNN (<see cref="WithoutOneDnn"/>) and
/// counts it, so a bad kernel costs time, never a candidate's reward.</item>
/// </list>
/// </summary>
public static partial class CpuKernels
{
    private static readonly Lock Gate = new();
    private static int _nnpackDone;
    private static OneDnnStatus? _status;
    private static int _offHolders;

    /// <summary>The decision of <see cref="ConfigureOneDnn"/>, or null before it ran.</summary>
    public static OneDnnStatus? Status => _status;

    /// <summary>True while oneDNN is enabled in libtorch's global context (false where the symbols are missing).</summary>
    public static bool OneDnnEnabled
    {
        get
        {
            try
            {
                return UserEnabledMkldnn(GlobalContext());
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }
    }

    /// <summary>Disables NNPACK once per process; false when already done or libtorch_cpu's symbols are missing.</summary>
    public static bool DisableNnpack()
    {
        if (Interlocked.Exchange(ref _nnpackDone, 1) == 1)
        {
            return false;
        }

        try
        {
            using (torch.zeros(1)) { } // loads libtorch_cpu first
            SetUserEnabledNnpack(GlobalContext(), false);
            return !UserEnabledNnpack(GlobalContext());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Turns oneDNN off for the rest of the process (the old workaround; <c>NASNET_ONEDNN=0</c> does it at start-up).</summary>
    public static bool DisableOneDnn()
    {
        lock (Gate)
        {
            _status = new OneDnnStatus(false, "turned off by the caller", 0);
            return Set(false);
        }
    }

    /// <summary>
    /// Decides once per process whether oneDNN stays on: <c>NASNET_ONEDNN=0</c> turns it off, <c>=1</c> keeps it on
    /// without the test, unset (or <c>auto</c>) runs <see cref="SelfTest"/> and keeps it on only if no step of it gave
    /// a non-finite value. Later calls return the first decision. Call it before training (the trainer does).
    /// </summary>
    public static OneDnnStatus ConfigureOneDnn()
    {
        lock (Gate)
        {
            if (_status is not null)
            {
                return _status;
            }

            var mode = (Environment.GetEnvironmentVariable("NASNET_ONEDNN") ?? "auto").Trim().ToLowerInvariant();
            if (mode is "0" or "off" or "false")
            {
                Set(false);
                return _status = new OneDnnStatus(false, "NASNET_ONEDNN=0", 0);
            }

            if (!Set(true))
            {
                return _status = new OneDnnStatus(false, "libtorch_cpu's context symbols are missing", 0);
            }

            if (mode is "1" or "on" or "true")
            {
                return _status = new OneDnnStatus(true, "NASNET_ONEDNN=1 (self-test skipped)", 0);
            }

            var bad = SelfTest();
            if (bad > 0)
            {
                Set(false);
                return _status = new OneDnnStatus(false, $"start-up self-test: {bad} of {SelfTestSteps} convolution steps gave NaN/inf with oneDNN on (unwritten channel padding); oneDNN off", bad);
            }

            return _status = new OneDnnStatus(true, $"start-up self-test passed ({SelfTestSteps} convolution steps on a NaN-filled heap)", 0);
        }
    }

    /// <summary>Steps <see cref="SelfTest"/> runs.</summary>
    public const int SelfTestSteps = 12;

    /// <summary>
    /// The single-convolution repro (bench/RESULTS.md, Training throughput): with the heap first filled with NaN (NaN
    /// tensors allocated and freed, so the allocator hands that memory out again), forward and backward of
    /// convolutions whose channel counts are not a multiple of oneDNN's block (8 on AVX2, 16 on AVX-512), in the
    /// shapes a NASNet cell uses: a 3x1 of a factorized conv, a 1x1 squeeze, a depthwise 5x5. Returns the number of
    /// steps whose output or gradients were not finite, with whatever back end is enabled now. About 0.2 s.
    /// </summary>
    public static int SelfTest(int steps = SelfTestSteps)
    {
        using var scope = NewDisposeScope();
        using var grad = torch.enable_grad();
        (long Cin, long Cout, (long, long) Kernel, long Groups)[] convs = [(20, 10, (3, 1), 1), (16, 20, (3, 1), 1), (20, 12, (1, 1), 1), (20, 20, (5, 5), 20)];
        var modules = convs.Select(c => nn.Conv2d(c.Cin, c.Cout, c.Kernel, padding: (c.Kernel.Item1 / 2, c.Kernel.Item2 / 2), groups: c.Groups, bias: false)).ToArray();
        var bad = 0;
        try
        {
            for (var i = 0; i < steps; i++)
            {
                using var step = NewDisposeScope();
                FillFreedHeapWithNaN();
                var conv = modules[i % modules.Length];
                var x = randn(64, convs[i % convs.Length].Cin, 14, 14).requires_grad_(true);
                var y = conv.call(x);
                y.backward([ones_like(y)]);
                var finite = y.isfinite().all().item<bool>() && x.grad!.isfinite().all().item<bool>() && conv.weight!.grad!.isfinite().all().item<bool>();
                if (!finite)
                {
                    bad++;
                }

                conv.zero_grad();
            }
        }
        finally
        {
            foreach (var m in modules)
            {
                m.Dispose();
            }
        }

        return bad;
    }

    /// <summary>Allocates and frees NaN tensors (about 16 MiB) so that the next allocations reuse NaN-filled memory.</summary>
    public static void FillFreedHeapWithNaN()
    {
        var held = new List<Tensor>();
        var rng = new Random(1);
        try
        {
            for (var i = 0; i < 32; i++)
            {
                held.Add(torch.full(rng.Next(256, 1 << 18), double.NaN));
            }
        }
        finally
        {
            foreach (var t in held)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>
    /// oneDNN off until the returned handle is disposed (a no-op handle when it is off already). The switch is
    /// process-wide, so holders are counted: it comes back on when the last holder is done; other slots' steps in
    /// the meantime also run without it (slower, never wrong). For the trainer's re-run of a bad step.
    /// </summary>
    public static IDisposable WithoutOneDnn()
    {
        lock (Gate)
        {
            if (_offHolders == 0 && !OneDnnEnabled)
            {
                return NoOp.Instance;
            }

            if (_offHolders++ == 0)
            {
                Set(false);
            }

            return new Release();
        }
    }

    private static bool Set(bool enabled)
    {
        try
        {
            using (torch.zeros(1)) { } // loads libtorch_cpu first
            SetUserEnabledMkldnn(GlobalContext(), enabled);
            return UserEnabledMkldnn(GlobalContext()) == enabled;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private sealed class Release : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 1)
            {
                return;
            }

            lock (Gate)
            {
                if (--_offHolders == 0)
                {
                    Set(true);
                }
            }
        }
    }

    private sealed class NoOp : IDisposable
    {
        public static readonly NoOp Instance = new();

        public void Dispose()
        {
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
