namespace NasNet.K8s.Tests;

/// <summary>
/// What the silo reads and serves, as agreed for issue 5 (configuration section <c>NasNet</c>, HTTP endpoints,
/// Kubernetes hosting). <see cref="Settings"/> is checked against NasNet.Grains.Hosting.NasNetOptions by reflection
/// (SiloContractTests), so the manifests follow the code.
/// </summary>
public static class SiloContract
{
    public const string Section = "NasNet";

    /// <summary>Keys of the <c>NasNet</c> configuration section and their defaults (as NasNetOptions on branch cluster).</summary>
    public static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string>
    {
        ["Redis"] = "",
        ["ClusterId"] = "nasnet",
        ["ServiceId"] = "nasnet",
        ["SiloPort"] = "11111",
        ["GatewayPort"] = "30000",
        ["DashboardPort"] = "8080",
        ["Slots"] = "0",
        ["CheckpointStore"] = "",
        ["DrainSeconds"] = "20",
        ["AdvertisedIp"] = "",
        ["SiloName"] = "",
        ["FastMembership"] = "false",
        ["ResponseTimeoutSeconds"] = "30",
        ["WebToken"] = "",
    };

    /// <summary>The settings the manifests must set explicitly (the contract plus the drain time).</summary>
    public static readonly IReadOnlyList<string> RequiredSettings =
        ["Redis", "ClusterId", "ServiceId", "SiloPort", "GatewayPort", "DashboardPort", "Slots", "CheckpointStore", "DrainSeconds"];

    /// <summary>Environment variables the nasnet console reads (ClusterOptions on branch cluster).</summary>
    public static readonly IReadOnlySet<string> ClientVariables = new HashSet<string>
    {
        "NASNET_CLUSTER", "NASNET_CLUSTER_ID", "NASNET_SERVICE_ID",
    };

    /// <summary>Read by Orleans' UseKubernetesHosting() in a pod (downward API and the ids).</summary>
    public static readonly IReadOnlySet<string> KubernetesHostingVariables = new HashSet<string>
    {
        "POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID",
    };

    /// <summary>Variables the manifests define only to compose others (<c>$(REDIS_PASSWORD)</c>) or for the runtime.</summary>
    public static readonly IReadOnlySet<string> HelperVariables = new HashSet<string>
    {
        "REDIS_PASSWORD", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES", "XDG_CACHE_HOME",
    };

    public const string HealthPath = "/health";
    public const string MetricsPath = "/metrics";
    public const string DashboardPath = "/dashboard";

    /// <summary>The Prometheus gauge the autoscaler sums over silos.</summary>
    public const string PendingWorkMetric = "nasnet_pending_work";

    /// <summary>Minimum drain time: one epoch checkpoint and the lease hand-back after SIGTERM.</summary>
    public const int DrainSeconds = 120;

    /// <summary>Time Orleans needs after the drain to leave the cluster gracefully.</summary>
    public const int LeaveSeconds = 10;

    public static string EnvName(string setting) => $"{Section}__{setting}";
}
