using System.Diagnostics;

namespace NasNet.Cluster.Tests.Infrastructure;

/// <summary>A page as headless Chromium left it: the DOM after its scripts ran, and a PNG screenshot of the window.</summary>
public sealed record RenderedPage(string Dom, byte[] Png);

/// <summary>
/// Debian's <c>chromium</c> in headless mode, offline and with a fresh profile: one run loads a page, lets it run for
/// <see cref="ScriptBudgetMs"/> ms of virtual time, dumps the DOM and takes a screenshot. Killed with its child
/// processes after the timeout; the profile is deleted.
/// </summary>
public static class HeadlessChromium
{
    public const string Install = "apt-get install -y chromium";

    public const int ScriptBudgetMs = 3000;

    public static async Task<RenderedPage> RenderAsync(Uri url, int width, int height, TimeSpan timeout)
    {
        var executable = FindOnPath("chromium") ?? throw new InvalidOperationException($"chromium is not on PATH: run '{Install}'");
        var dir = Directory.CreateTempSubdirectory("nasnet-chromium-").FullName;
        var screenshot = Path.Combine(dir, "page.png");
        using var process = new Process { StartInfo = StartInfo(executable, url, width, height, Path.Combine(dir, "profile"), screenshot) };
        try
        {
            process.Start();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"chromium did not finish {url} within {timeout.TotalSeconds:0} s");
            }

            var dom = await stdout;
            if (process.ExitCode != 0 || !File.Exists(screenshot))
            {
                var tail = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(5);
                throw new InvalidOperationException($"chromium exited with {process.ExitCode} on {url}: {string.Join(" | ", tail)}");
            }

            return new RenderedPage(dom, await File.ReadAllBytesAsync(screenshot));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            DeleteQuietly(dir);
        }
    }

    private static ProcessStartInfo StartInfo(string executable, Uri url, int width, int height, string profile, string screenshot)
    {
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args =
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--hide-scrollbars", $"--user-data-dir={profile}", $"--window-size={width},{height}",
            $"--virtual-time-budget={ScriptBudgetMs}", "--dump-dom", $"--screenshot={screenshot}", url.AbsoluteUri,
        ];
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);

    private static void DeleteQuietly(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
