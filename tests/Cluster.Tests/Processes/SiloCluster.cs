using System.Globalization;
using System.Text.Json.Nodes;
using NasNet.Cluster.Tests.Infrastructure;

namespace NasNet.Cluster.Tests.Processes;

/// <summary>Real silo processes of src/Silo on one Redis (clustering, storage, reminders, checkpoints), and the client.</summary>
public sealed class SiloCluster : IDisposable
{
    private readonly List<NasNetProcess?> _silos = [];
    private readonly string _serviceId = $"proc-{Guid.NewGuid():N}"[..16];

    public SiloCluster(RedisServer redis)
    {
        Redis = redis;
    }

    public RedisServer Redis { get; }

    public IReadOnlyList<NasNetProcess?> Silos => _silos;

    public string[] ClusterArgs => ["--cluster", Redis.ConnectionString, "--cluster-id", "proc", "--service-id", _serviceId];

    /// <summary>Starts silo processes named silo{index} (new ports each time).</summary>
    public void Start(int count)
    {
        _silos.Clear();
        for (var i = 0; i < count; i++)
        {
            _silos.Add(NasNetProcess.Silo(new Dictionary<string, string>
            {
                ["Redis"] = Redis.ConnectionString,
                ["ClusterId"] = "proc",
                ["ServiceId"] = _serviceId,
                ["SiloPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
                ["GatewayPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
                ["DashboardPort"] = "0",
                ["Slots"] = "2",
                ["SiloName"] = $"silo{i}",
                ["FastMembership"] = "true",
                ["ResponseTimeoutSeconds"] = "10",
                ["DrainSeconds"] = "10",
            }));
        }
    }

    /// <summary>An Orleans client in the test process (for fast polling; the nasnet process is used for commands).</summary>
    public Task<NasNet.Client.Cluster.ClusterConnection> ConnectAsync() =>
        NasNet.Client.Cluster.ClusterConnection.ConnectAsync(new NasNet.Client.Cluster.ClusterAddress(Redis.ConnectionString, "proc", _serviceId, 0));

    /// <summary>Runs the client with the cluster arguments appended.</summary>
    public Task<(int Code, string Output)> ClientAsync(params string[] args) =>
        NasNetProcess.RunClientAsync(TimeSpan.FromSeconds(90), [.. args, .. ClusterArgs]);

    /// <summary>Waits until every silo serves as a gateway and the cluster answers.</summary>
    public async Task WaitReadyAsync()
    {
        await using var connection = await Wait.Until(ConnectAsync, _ => true, TimeSpan.FromMinutes(2), "a gateway", TimeSpan.FromMilliseconds(500));
        var management = connection.Client.GetGrain<Orleans.Runtime.IManagementGrain>(0);
        await Wait.Until(async () => (await management.GetHosts(onlyActive: true)).Count, n => n >= _silos.Count, TimeSpan.FromMinutes(2), "all silos active", TimeSpan.FromMilliseconds(250));
        await connection.Client.GetGrain<IWorkBrokerGrain>(0).List();
    }

    /// <summary>Polls a campaign in-process until it ends.</summary>
    public async Task<CampaignStatus> WaitEndAsync(string id)
    {
        await using var connection = await Wait.Until(ConnectAsync, _ => true, TimeSpan.FromMinutes(1), "a gateway", TimeSpan.FromMilliseconds(500));
        try
        {
            return await Wait.Until(connection.Client.GetGrain<ICampaignGrain>(id).GetStatus, st => st.State != CampaignState.Running, TimeSpan.FromMinutes(3), $"campaign {id} to end");
        }
        catch (TimeoutException e)
        {
            var warnings = Logs().Split('\n').Where(l => l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("Exception", StringComparison.Ordinal));
            throw new TimeoutException($"{e.Message}\nsilo warnings (last 40):\n{string.Join('\n', warnings.TakeLast(40))}");
        }
    }

    public async Task<JsonObject> StatusAsync(string id)
    {
        var (code, output) = await ClientAsync("campaign", "status", id, "--json");
        Assert.True(code == 0, output);
        return (JsonObject)JsonNode.Parse(output.Trim().Split('\n')[^1])!;
    }

    public Task<JsonObject> WaitStatusAsync(string id, Func<JsonObject, bool> done, string what, TimeSpan? timeout = null) =>
        Wait.Until(() => StatusAsync(id), done, timeout ?? TimeSpan.FromMinutes(3), what, TimeSpan.FromSeconds(1));

    public void KillNine(int index)
    {
        _silos[index]?.Kill();
    }

    public async Task TerminateAllAsync()
    {
        await Task.WhenAll(_silos.Where(s => s is not null).Select(s => s!.TerminateAsync(TimeSpan.FromSeconds(30))));
    }

    public string Logs() => string.Join("\n----\n", _silos.Select(s => s?.Output ?? ""));

    public void Dispose()
    {
        foreach (var s in _silos)
        {
            s?.Dispose();
        }
    }
}
