using System.Diagnostics;
using System.Net.Sockets;

namespace NasNet.Cluster.Tests.Infrastructure;

/// <summary>
/// A real redis-server on a free 127.0.0.1 port with its data in a temporary folder (append-only file, so a restart
/// keeps the data). Stop/Start simulate an outage; Dispose kills it and deletes the folder.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nasnet-redis-").FullName;
    private Process? _process;

    public RedisServer()
    {
        Port = Ports.Free();
        Start();
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public void Start()
    {
        var psi = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", _dir, "--protected-mode", "no" })
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start (apt-get install redis-server)");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new InvalidOperationException($"redis-server did not listen on {Port}");
    }

    /// <summary>Kills the server (its append-only file keeps the data for <see cref="Start"/>).</summary>
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
