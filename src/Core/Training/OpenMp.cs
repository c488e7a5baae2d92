using System.Runtime.InteropServices;

namespace NasNet.Core.Training;

/// <summary>
/// OpenMP settings for libtorch's CPU threads. libgomp's default wait policy spins between parallel regions; on a
/// machine shared with other busy processes (or several trainings per process) the spinning threads steal the cores
/// their peers need. Measured here (2 cores, load average 14, NASNet-A 1 @ 48, 16x16, 2 threads): 3.7 img/s and
/// 4,265 ms latency with the default vs 43 img/s and 14 ms with <c>OMP_WAIT_POLICY=PASSIVE</c>.
/// </summary>
public static partial class OpenMp
{
    /// <summary>
    /// Sets <c>OMP_WAIT_POLICY=PASSIVE</c> in the native environment unless the user set it. libgomp reads it when
    /// it loads (with libtorch), so call this at process start before any tensor is made; later calls have no effect.
    /// (.NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach the native environment
    /// on Linux, hence libc's <c>setenv</c>.) Returns true when the variable was set by this call.
    /// </summary>
    public static bool PreferPassiveWait()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null)
        {
            return false;
        }

        try
        {
            return SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
