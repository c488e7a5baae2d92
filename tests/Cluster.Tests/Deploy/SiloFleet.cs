using System.Globalization;
using NasNet.Client.Cluster;
using NasNet.Cluster.Tests.Infrastructure;

namespace NasNet.Cluster.Tests.Deploy;

/// <summary>One silo to start: its name (trainer ids start with it), ports and extra NasNet settings.</summary>
public sealed record SiloSpec(string Name, int SiloPort, int GatewayPort, int HttpPort, IReadOnlyDictionary<string, string> Settings);

/// <summary>A running silo, a process or a container.</summary>
public interface ISiloInstance : IAsyncDisposable
{
    /// <summary>kill -9 (docker kill): no drain.</summary>
    Task KillAsync();

    /// <summary>SIGTERM (docker stop): the silo drains, then exits; returns when it has exited.</summary>
    Task TerminateAsync();

    Task<string> LogsAsync();
}

/// <summary>Starts silos on one Redis: processes of src/Silo, or containers of the nasnet-silo image.</summary>
public interface ISiloLauncher
{
    string Kind { get; }

    Task<ISiloInstance> StartAsync(string redis, string clusterId, string serviceId, SiloSpec spec);
}

/// <summary>Silo processes (<see cref="NasNetProcess.Silo"/>): where no container engine runs.</summary>
public sealed class ProcessSilos : ISiloLauncher
{
    /// <summary>Seconds a SIGTERM'd process may take to drain and exit before it is killed.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(150);

    public string Kind => "process";

    public Task<ISiloInstance> StartAsync(string redis, string clusterId, string serviceId, SiloSpec spec)
    {
        var settings = new Dictionary<string, string>(spec.Settings)
        {
            ["Redis"] = redis,
            ["ClusterId"] = clusterId,
            ["ServiceId"] = serviceId,
            ["SiloName"] = spec.Name,
            ["SiloPort"] = spec.SiloPort.ToString(CultureInfo.InvariantCulture),
            ["GatewayPort"] = spec.GatewayPort.ToString(CultureInfo.InvariantCulture),
            ["DashboardPort"] = spec.HttpPort.ToString(CultureInfo.InvariantCulture),
        };
        return Task.FromResult<ISiloInstance>(new Instance(NasNetProcess.Silo(settings)));
    }

    private sealed class Instance(NasNetProcess process) : ISiloInstance
    {
        public Task KillAsync()
        {
            process.Kill();
            return Task.CompletedTask;
        }

        public Task TerminateAsync() => process.TerminateAsync(Grace);

        public Task<string> LogsAsync() => Task.FromResult(process.Output);

        public ValueTask DisposeAsync()
        {
            process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>
/// Silo containers of the nasnet-silo image, started by deploy/cluster.sh (the README's script) with host networking;
/// kill is <c>docker kill</c>, terminate is <c>docker stop</c> (SIGTERM, the manifests' grace period).
/// </summary>
public sealed class ContainerSilos(DockerEngine docker, string project, string tag) : ISiloLauncher
{
    public string Kind => "container";

    public string Project => project;

    public async Task<ISiloInstance> StartAsync(string redis, string clusterId, string serviceId, SiloSpec spec)
    {
        var env = new Dictionary<string, string>(docker.Environment)
        {
            ["NASNET_PROJECT"] = project,
            ["NASNET_TAG"] = tag,
            ["NASNET_REDIS"] = redis,
            ["NASNET_CLUSTER_ID"] = clusterId,
            ["NASNET_SERVICE_ID"] = serviceId,
        };
        foreach (var (key, value) in spec.Settings)
        {
            env[$"NasNet__{key}"] = value;
        }

        // A restart reuses the name: the stopped container (its log already kept by the fleet) makes way.
        await docker.RunAsync(TimeSpan.FromMinutes(1), "rm", "-f", $"{project}-{spec.Name}");
        var output = await Command.CheckedAsync("bash",
            [ClusterScript, "silo", spec.Name, spec.SiloPort.ToString(CultureInfo.InvariantCulture), spec.GatewayPort.ToString(CultureInfo.InvariantCulture), spec.HttpPort.ToString(CultureInfo.InvariantCulture)],
            TimeSpan.FromMinutes(1), env);
        return new Instance(docker, output.Trim().Split('\n')[^1]);
    }

    /// <summary>deploy/cluster.sh.</summary>
    public static string ClusterScript => Path.Combine(Repo.Root, "deploy", "cluster.sh");

    /// <summary>Removes every container of the project (whatever state it is in).</summary>
    public async Task RemoveAllAsync()
    {
        var ids = (await docker.CheckedAsync("ps", "-aq", "--filter", $"label=nasnet.project={project}")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (ids.Length > 0)
        {
            await docker.RunAsync(TimeSpan.FromMinutes(1), ["rm", "-f", .. ids]);
        }
    }

    private sealed class Instance(DockerEngine docker, string container) : ISiloInstance
    {
        public async Task KillAsync() => await docker.RunAsync(TimeSpan.FromMinutes(1), "kill", container);

        // docker stop waits for the exit (up to the container's stop timeout, 150 s as in the manifests).
        public async Task TerminateAsync() => await docker.RunAsync(TimeSpan.FromMinutes(3), "stop", container);

        public async Task<string> LogsAsync() => (await docker.RunAsync(TimeSpan.FromMinutes(1), "logs", container)).Output;

        public async ValueTask DisposeAsync() => await docker.RunAsync(TimeSpan.FromMinutes(1), "rm", "-f", container);
    }
}

/// <summary>A silo of a <see cref="SiloFleet"/>: its instance, when it started and how it ended.</summary>
public sealed class FleetSilo(SiloSpec spec, ISiloInstance instance, DateTime startedUtc)
{
    public SiloSpec Spec { get; } = spec;

    public string Name => Spec.Name;

    public int HttpPort => Spec.HttpPort;

    public ISiloInstance Instance { get; } = instance;

    public DateTime StartedUtc { get; } = startedUtc;

    /// <summary>When it was killed or sent SIGTERM (null while it runs).</summary>
    public DateTime? StoppedUtc { get; internal set; }

    /// <summary>"killed" or "terminated" once stopped.</summary>
    public string? StoppedBy { get; internal set; }

    /// <summary>Its log, kept once it has exited.</summary>
    public string? FinalLogs { get; internal set; }
}

/// <summary>
/// The silos of one cluster on one Redis, started and stopped one by one (by a scaler or a chaos schedule). Each silo
/// gets free loopback ports; a restart reuses the name and ports (as a pod's container restarts in place).
/// </summary>
public sealed class SiloFleet(ISiloLauncher launcher, string redis, IReadOnlyDictionary<string, string> settings) : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly List<FleetSilo> _all = [];
    private int _next;

    public ISiloLauncher Launcher => launcher;

    public string Redis => redis;

    public string ClusterId { get; } = "fleet";

    public string ServiceId { get; } = $"fleet-{Guid.NewGuid():N}"[..16];

    /// <summary>The nasnet client's cluster arguments.</summary>
    public string[] ClusterArgs => ["--cluster", redis, "--cluster-id", ClusterId, "--service-id", ServiceId];

    /// <summary>Raised after a silo was started or asked to stop (e.g. to rewrite Prometheus' targets).</summary>
    public event Action? Changed;

    /// <summary>Silos started and not asked to stop, oldest first.</summary>
    public IReadOnlyList<FleetSilo> Live
    {
        get
        {
            lock (_gate)
            {
                return _all.Where(s => s.StoppedUtc is null).ToList();
            }
        }
    }

    public IReadOnlyList<FleetSilo> All
    {
        get
        {
            lock (_gate)
            {
                return _all.ToList();
            }
        }
    }

    /// <summary>Starts a new silo named silo{n} on new ports.</summary>
    public Task<FleetSilo> StartAsync()
    {
        string name;
        lock (_gate)
        {
            name = $"silo{_next++}";
        }

        return StartAsync(new SiloSpec(name, Ports.Free(), Ports.Free(), Ports.Free(), settings));
    }

    /// <summary>Starts a stopped silo again with its name and ports.</summary>
    public Task<FleetSilo> RestartAsync(FleetSilo stopped) => StartAsync(stopped.Spec);

    public async Task<FleetSilo> StartAsync(SiloSpec spec)
    {
        var instance = await launcher.StartAsync(redis, ClusterId, ServiceId, spec);
        var silo = new FleetSilo(spec, instance, DateTime.UtcNow);
        lock (_gate)
        {
            _all.Add(silo);
        }

        Changed?.Invoke();
        return silo;
    }

    /// <summary>kill -9: no drain; its leases expire.</summary>
    public async Task KillAsync(FleetSilo silo)
    {
        MarkStopped(silo, "killed");
        await silo.Instance.KillAsync();
        silo.FinalLogs = await silo.Instance.LogsAsync();
    }

    /// <summary>SIGTERM: the silo drains (running trainings give their leases back) and exits; returns once it has.</summary>
    public async Task TerminateAsync(FleetSilo silo)
    {
        MarkStopped(silo, "terminated");
        await silo.Instance.TerminateAsync();
        silo.FinalLogs = await silo.Instance.LogsAsync();
    }

    /// <summary>Waits until every live silo answers /health with 200.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var silo in Live)
        {
            await Wait.Until(async () => (int)(await http.GetAsync(new Uri($"http://127.0.0.1:{silo.HttpPort}/health"))).StatusCode,
                code => code == 200, timeout, $"{silo.Name} /health 200", TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>An Orleans client in this process (Redis clustering), retried until a gateway answers.</summary>
    public Task<ClusterConnection> ConnectAsync(TimeSpan? timeout = null) =>
        Wait.Until(() => ClusterConnection.ConnectAsync(new ClusterAddress(redis, ClusterId, ServiceId, 0)), _ => true, timeout ?? TimeSpan.FromMinutes(2), "a gateway", TimeSpan.FromMilliseconds(500));

    /// <summary>Every silo's log (live ones now, stopped ones as they ended), each headed by its name.</summary>
    public async Task<string> LogsAsync()
    {
        var parts = new List<string>();
        foreach (var s in All)
        {
            parts.Add($"==== {s.Name} ({s.StoppedBy ?? "running"})\n{s.FinalLogs ?? await s.Instance.LogsAsync()}");
        }

        return string.Join('\n', parts);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in All)
        {
            await s.Instance.DisposeAsync();
        }
    }

    private void MarkStopped(FleetSilo silo, string how)
    {
        lock (_gate)
        {
            silo.StoppedUtc ??= DateTime.UtcNow;
            silo.StoppedBy ??= how;
        }

        Changed?.Invoke();
    }
}
