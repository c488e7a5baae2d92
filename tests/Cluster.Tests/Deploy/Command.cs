using System.Diagnostics;
using System.Text;

namespace NasNet.Cluster.Tests.Deploy;

/// <summary>What an external command printed (stdout and stderr interleaved by line) and its exit code.</summary>
public sealed record CommandResult(int Code, string Output)
{
    /// <summary>The last lines, for failure messages.</summary>
    public string Tail(int lines = 20) => string.Join('\n', Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines));
}

/// <summary>Runs an external program (docker, the deploy scripts) to completion with a timeout.</summary>
public static class Command
{
    public static async Task<CommandResult> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Infrastructure.Repo.Root,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s: {Tail(output)}");
        }

        process.WaitForExit();
        lock (output)
        {
            return new CommandResult(process.ExitCode, output.ToString());
        }
    }

    /// <summary>Runs and fails with the command's last output lines unless it exits with 0.</summary>
    public static async Task<string> CheckedAsync(string file, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var list = args.ToList();
        var result = await RunAsync(file, list, timeout, environment);
        return result.Code == 0 ? result.Output : throw new InvalidOperationException($"{file} {string.Join(' ', list)} exited with {result.Code}: {result.Tail()}");
    }

    /// <summary>The full path of a program on PATH, or null.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Tail(StringBuilder output)
    {
        lock (output)
        {
            return new CommandResult(0, output.ToString()).Tail(10);
        }
    }
}
