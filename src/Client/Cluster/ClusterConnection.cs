using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NasNet.Core;
using NasNet.Grains.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace NasNet.Client.Cluster;

/// <summary>Where the console finds the cluster: Redis clustering (--cluster) or a localhost gateway.</summary>
public sealed record ClusterAddress(string? Redis, string ClusterId, string ServiceId, int GatewayPort)
{
    public override string ToString() => Redis is null ? $"localhost gateway {GatewayPort}" : $"Redis {Redis} (cluster '{ClusterId}')";
}

/// <summary>
/// A connected Orleans client for the cluster commands: needs only the grain interfaces. An unreachable Redis or
/// cluster is a one-line <see cref="UserErrorException"/> within a few seconds.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private readonly IHost _host;

    private ClusterConnection(IHost host)
    {
        _host = host;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    public IClusterClient Client { get; }

    public static async Task<ClusterConnection> ConnectAsync(ClusterAddress address, CancellationToken ct = default)
    {
        if (address.Redis is { } redis)
        {
            await CheckRedisAsync(redis);
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(c =>
        {
            c.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = address.ClusterId;
                o.ServiceId = address.ServiceId;
            });
            c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(15));
            c.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            if (address.Redis is { } r)
            {
                c.UseRedisClustering(o => o.ConfigurationOptions = NasNetGrainServices.RedisConfig(r));
            }
            else
            {
                c.UseLocalhostClustering(address.GatewayPort, address.ServiceId, address.ClusterId);
            }
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(ct).WaitAsync(ConnectTimeout, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            host.Dispose();
            var why = e is TimeoutException ? "no answer" : e.Message.Split('\n')[0];
            throw new UserErrorException($"cannot reach the NasNet cluster at {address}: {why}; start a silo (dotnet src/Silo) or pass --cluster <redis>");
        }

        return new ClusterConnection(host);
    }

    private static async Task CheckRedisAsync(string redis)
    {
        ConfigurationOptions options;
        try
        {
            options = NasNetGrainServices.RedisConfig(redis);
        }
        catch (ArgumentException e)
        {
            throw new UserErrorException($"--cluster '{redis}' is not a Redis connection string: {e.Message}");
        }

        options.ConnectTimeout = 3000;
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        try
        {
            await using var mux = await ConnectionMultiplexer.ConnectAsync(options);
            await mux.GetDatabase().PingAsync();
        }
        catch (Exception e) when (e is RedisException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new UserErrorException($"cannot reach Redis at '{redis}': {e.Message.Split('\n')[0].Split(". ")[0]}; check --cluster and that Redis is running");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _host.Dispose();
        }
    }
}
