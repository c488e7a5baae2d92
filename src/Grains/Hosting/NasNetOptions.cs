namespace NasNet.Grains.Hosting;

/// <summary>
/// The section "NasNet" of the silo's configuration (appsettings.json, env NasNet__X, command line --NasNet:X=...).
/// The Kubernetes manifests are written against these names; see README "Configuration".
/// </summary>
public sealed class NasNetOptions
{
    public const string SectionName = "NasNet";

    /// <summary>Redis connection string; empty = embedded mode (localhost clustering, memory storage/reminders/checkpoints).</summary>
    public string Redis { get; set; } = "";

    public string ClusterId { get; set; } = "nasnet";

    public string ServiceId { get; set; } = "nasnet";

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>HTTP port for /campaigns, /dashboard, /health and /metrics (0 = any free port).</summary>
    public int DashboardPort { get; set; } = 8080;

    /// <summary>
    /// Bearer token that protects the web page (/campaigns) and the dashboard (/dashboard); empty = both open.
    /// /health and /metrics stay open (probes, Prometheus).
    /// </summary>
    public string WebToken { get; set; } = "";

    /// <summary>Training slots on this silo; 0 = auto (CUDA device count, else one per CPU core).</summary>
    public int Slots { get; set; }

    /// <summary>redis | memory; empty = redis when Redis is set, else memory.</summary>
    public string CheckpointStore { get; set; } = "";

    /// <summary>Address other silos reach this one at (optional; default loopback in Redis mode outside Kubernetes).</summary>
    public string AdvertisedIp { get; set; } = "";

    /// <summary>Silo name (trainer ids start with it); empty = "silo-{SiloPort}" or the pod name.</summary>
    public string SiloName { get; set; } = "";

    /// <summary>Fast failure detection (1 s probes, 5 s table refresh): tests and small clusters.</summary>
    public bool FastMembership { get; set; }

    /// <summary>Grain call timeout in seconds (Orleans' default is 30).</summary>
    public double ResponseTimeoutSeconds { get; set; } = 30;

    /// <summary>Seconds a stopping silo waits for its trainings to checkpoint and give back their leases.</summary>
    public double DrainSeconds { get; set; } = 20;

    /// <summary>The checkpoint store in effect.</summary>
    public string EffectiveCheckpointStore =>
        string.IsNullOrWhiteSpace(CheckpointStore) ? (string.IsNullOrWhiteSpace(Redis) ? "memory" : "redis") : CheckpointStore.Trim().ToLowerInvariant();
}
