using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using NasNet.Cluster.Tests.Infrastructure;

namespace NasNet.Cluster.Tests.Deploy;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c>) on a free loopback port, scraping every second the targets of a
/// file-based service discovery that <see cref="SetTargets"/> rewrites as silos come and go (as Kubernetes' pod
/// discovery would). Queried through its HTTP API, as KEDA's prometheus scaler does. Dispose stops it and deletes
/// its data.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string Install = "apt-get install -y prometheus";

    private readonly string _dir = Directory.CreateTempSubdirectory("nasnet-prometheus-").FullName;
    private readonly Process _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private PrometheusServer(int port)
    {
        Port = port;
        File.WriteAllText(TargetsFile, "[]");
        File.WriteAllText(Path.Combine(_dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: nasnet-silo
                metrics_path: /metrics
                file_sd_configs:
                  - files: ["{TargetsFile}"]
                    refresh_interval: 1s
            """);
        var executable = Command.Find("prometheus") ?? throw new InvalidOperationException($"prometheus is not on PATH: run '{Install}'");
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     $"--config.file={Path.Combine(_dir, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(_dir, "data")}",
                     $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
                 })
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    private string TargetsFile => Path.Combine(_dir, "targets.json");

    public static async Task<PrometheusServer> StartAsync()
    {
        var server = new PrometheusServer(Ports.Free());
        await Wait.Until(async () => (int)(await server._http.GetAsync(new Uri(server.Address, "/-/ready"))).StatusCode, c => c == 200,
            TimeSpan.FromMinutes(1), "prometheus /-/ready", TimeSpan.FromMilliseconds(250));
        return server;
    }

    /// <summary>Rewrites the service-discovery file (atomically: a rename) with one target per silo, labelled silo=name.</summary>
    public void SetTargets(IEnumerable<(string Name, int Port)> silos)
    {
        var groups = new JsonArray(silos.Select(s => (JsonNode)new JsonObject
        {
            ["targets"] = new JsonArray($"127.0.0.1:{s.Port}"),
            ["labels"] = new JsonObject { ["silo"] = s.Name },
        }).ToArray());
        var tmp = TargetsFile + ".tmp";
        File.WriteAllText(tmp, groups.ToJsonString());
        File.Move(tmp, TargetsFile, overwrite: true);
    }

    /// <summary>
    /// An instant query's value as KEDA's prometheus scaler reads it: the single sample's value; an empty result is 0
    /// (KEDA's ignoreNullValues default); several series are an error.
    /// </summary>
    public async Task<double> QueryScalarAsync(string query)
    {
        var result = await QueryAsync(query);
        return result.Count switch
        {
            0 => 0,
            1 => double.Parse(result[0]!["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException($"prometheus query '{query}' returned {result.Count} series, KEDA needs one"),
        };
    }

    /// <summary>The result vector of an instant query.</summary>
    public async Task<JsonArray> QueryAsync(string query)
    {
        var body = await _http.GetStringAsync(new Uri(Address, $"/api/v1/query?query={Uri.EscapeDataString(query)}"));
        var json = JsonNode.Parse(body)!;
        if (json["status"]?.GetValue<string>() != "success")
        {
            throw new InvalidOperationException($"prometheus query '{query}' failed: {body}");
        }

        return json["data"]!["result"]!.AsArray();
    }

    /// <summary>The active targets: silo label and health ("up", "down", "unknown").</summary>
    public async Task<IReadOnlyDictionary<string, string>> TargetsAsync()
    {
        using var doc = JsonDocument.Parse(await _http.GetStringAsync(new Uri(Address, "/api/v1/targets?state=active")));
        return doc.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .ToDictionary(t => t.GetProperty("labels").GetProperty("silo").GetString()!, t => t.GetProperty("health").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _http.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
