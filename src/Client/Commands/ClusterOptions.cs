using System.CommandLine;
using NasNet.Client.Cluster;

namespace NasNet.Client.Commands;

/// <summary>The options every cluster command shares: --cluster, --cluster-id, --service-id, --gateway-port.</summary>
public sealed class ClusterOptions
{
    public Option<string?> Cluster { get; } = new("--cluster")
    {
        Description = "Redis connection string of the cluster (env NASNET_CLUSTER); default: a silo on this machine (localhost gateway)",
    };

    public Option<string?> ClusterId { get; } = new("--cluster-id") { Description = "Orleans ClusterId (env NASNET_CLUSTER_ID; default nasnet)" };

    public Option<string?> ServiceId { get; } = new("--service-id") { Description = "Orleans ServiceId (env NASNET_SERVICE_ID; default nasnet)" };

    public Option<int> GatewayPort { get; } = new("--gateway-port") { Description = "localhost gateway port when --cluster is not given", DefaultValueFactory = _ => 30000 };

    public void AddTo(Command command)
    {
        command.Options.Add(Cluster);
        command.Options.Add(ClusterId);
        command.Options.Add(ServiceId);
        command.Options.Add(GatewayPort);
    }

    public ClusterAddress Read(ParseResult p) => new(
        NullIfEmpty(p.GetValue(Cluster)) ?? NullIfEmpty(Environment.GetEnvironmentVariable("NASNET_CLUSTER")),
        NullIfEmpty(p.GetValue(ClusterId)) ?? NullIfEmpty(Environment.GetEnvironmentVariable("NASNET_CLUSTER_ID")) ?? "nasnet",
        NullIfEmpty(p.GetValue(ServiceId)) ?? NullIfEmpty(Environment.GetEnvironmentVariable("NASNET_SERVICE_ID")) ?? "nasnet",
        p.GetValue(GatewayPort));

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
