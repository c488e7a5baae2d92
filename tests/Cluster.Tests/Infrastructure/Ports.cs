using System.Net;
using System.Net.Sockets;

namespace NasNet.Cluster.Tests.Infrastructure;

/// <summary>Free loopback ports and repository paths for the tests.</summary>
public static class Ports
{
    private static readonly object Gate = new();
    private static readonly HashSet<int> Handed = [];

    /// <summary>A loopback port that is free now and not handed out before by this process.</summary>
    public static int Free()
    {
        lock (Gate)
        {
            while (true)
            {
                using var l = new TcpListener(IPAddress.Loopback, 0);
                l.Start();
                var port = ((IPEndPoint)l.LocalEndpoint).Port;
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }
}

/// <summary>Locations of the built executables (same configuration as the tests).</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    public static string SiloDll => Built("src/Silo", "NasNet.Silo.dll");

    public static string ClientDll => Built("src/Client", "nasnet.dll");

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built: run dotnet build first");
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NasNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("NasNet.sln not found above the test directory");
    }
}

/// <summary>Polling with a generous timeout (tests never assert on elapsed time).</summary>
public static class Wait
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last = default!;
        Exception? error = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe();
                error = null;
                if (done(last))
                {
                    return last;
                }
            }
            catch (Exception e)
            {
                error = e;
            }

            await Task.Delay(every ?? TimeSpan.FromMilliseconds(200));
        }

        throw new TimeoutException($"timed out waiting for {what}; last: {last}; error: {error?.Message}");
    }
}
