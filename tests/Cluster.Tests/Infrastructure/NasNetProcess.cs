using System.Diagnostics;
using System.Text;

namespace NasNet.Cluster.Tests.Infrastructure;

/// <summary>A child process (a silo or the nasnet client) with captured output; Dispose kills it.</summary>
public sealed class NasNetProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NasNetProcess(string dll, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int Pid => _process.Id;

    /// <summary>A silo process of src/Silo with the given NasNet settings.</summary>
    public static NasNetProcess Silo(IDictionary<string, string> settings) =>
        new(Repo.SiloDll, settings.Select(kv => $"--NasNet:{kv.Key}={kv.Value}").Append("--Logging:LogLevel:Default=Information").Append("--Logging:Console:FormatterName=simple").Append("--Logging:Console:FormatterOptions:SingleLine=true"));

    /// <summary>Runs the client to completion; returns exit code, stdout+stderr.</summary>
    public static async Task<(int Code, string Output)> RunClientAsync(TimeSpan timeout, params string[] args)
    {
        using var p = new NasNetProcess(Repo.ClientDll, args);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p._process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            throw new TimeoutException($"nasnet {string.Join(' ', args)} did not finish: {p.Output}");
        }

        p._process.WaitForExit();
        return (p._process.ExitCode, p.Output);
    }

    /// <summary>kill -9.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    /// <summary>SIGTERM, then wait for a graceful exit (drain).</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill!.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
