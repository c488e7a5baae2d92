using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NasNet.Core;
using NasNet.Grains.Hosting;
using NasNet.Grains.Storage;
using NasNet.Grains.Telemetry;
using NasNet.Silo.Web;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace NasNet.Silo;

/// <summary>
/// The one hosting extension of a NasNet silo, used by the silo executable and by the client's embedded mode:
/// binds the "NasNet" section, picks Redis or localhost providers, adds the grains' services, the campaign pages
/// (/campaigns), the Orleans dashboard, OpenTelemetry metrics, /health and /metrics, and Kubernetes hosting inside a pod.
/// </summary>
public static class NasNetHosting
{
    /// <summary>Reads and validates the "NasNet" section (one-line errors naming the key).</summary>
    public static NasNetOptions ReadOptions(IConfiguration configuration)
    {
        var o = new NasNetOptions();
        try
        {
            configuration.GetSection(NasNetOptions.SectionName).Bind(o);
        }
        catch (InvalidOperationException e)
        {
            throw new UserErrorException($"NasNet configuration: {e.Message.Split('\n')[0]}");
        }

        if (new NasNetOptionsValidator().Validate(null, o) is { Failed: true } result)
        {
            throw new UserErrorException(result.Failures!.First());
        }

        return o;
    }

    /// <summary>True inside a Kubernetes pod.</summary>
    public static bool InKubernetes => Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is not null;

    /// <summary>Adds the silo, its providers, metrics and HTTP endpoints to a web application builder.</summary>
    public static NasNetOptions AddNasNet(this WebApplicationBuilder builder, ICheckpointStore? checkpointStore = null)
    {
        var o = ReadOptions(builder.Configuration);
        builder.Services.AddSingleton<SiloHealth>();
        // SIGTERM drains trainings for up to DrainSeconds, then the silo leaves the cluster: the host's default 30 s
        // shutdown timeout would cut that short (Kubernetes gives the pod its termination grace period).
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(o.DrainSeconds + 30));
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloHealth>());
        builder.UseOrleans(silo =>
        {
            silo.ConfigureNasNet(o, checkpointStore);
            silo.AddDashboard(d => d.CounterUpdateIntervalMs = 1000);
        });
        var host = string.IsNullOrWhiteSpace(o.Redis) && !InKubernetes ? "127.0.0.1" : "0.0.0.0";
        builder.WebHost.UseUrls($"http://{host}:{o.DashboardPort}");
        builder.Services.AddNasNetWeb();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(NasNetMetrics.MeterName, OrleansMetricViews.OrleansMeter)
            .AddView(OrleansMetricViews.For)
            .AddPrometheusExporter());
        return o;
    }

    /// <summary>Maps the campaign pages (/campaigns), /dashboard, /metrics and /health; NasNet:WebToken guards the first two.</summary>
    public static WebApplication MapNasNet(this WebApplication app)
    {
        app.UseNasNetWeb(app.Services.GetRequiredService<IOptions<NasNetOptions>>().Value.WebToken);
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        app.MapNasNetWeb();
        app.MapPrometheusScrapingEndpoint();
        app.MapGet("/health", (SiloHealth health) => health.Active
            ? Results.Text("ok")
            : Results.Text(health.State, statusCode: StatusCodes.Status503ServiceUnavailable));
        return app;
    }

    /// <summary>
    /// Configures clustering, storage, reminders, messaging and the grain services on a silo builder.
    /// <paramref name="clustering"/> false leaves clustering to the caller (in-process test clusters).
    /// </summary>
    public static ISiloBuilder ConfigureNasNet(this ISiloBuilder silo, NasNetOptions o, ICheckpointStore? checkpointStore = null, bool clustering = true)
    {
        var redis = o.Redis.Trim();
        if (clustering)
        {
            silo.Configure<ClusterOptions>(c =>
            {
                c.ClusterId = o.ClusterId;
                c.ServiceId = o.ServiceId;
            });
            silo.Configure<SiloOptions>(s => s.SiloName = !string.IsNullOrWhiteSpace(o.SiloName) ? o.SiloName
                : Environment.GetEnvironmentVariable("POD_NAME") ?? (redis.Length == 0 ? "embedded" : $"silo-{o.SiloPort}"));
            if (redis.Length == 0)
            {
                silo.UseLocalhostClustering(o.SiloPort, o.GatewayPort, serviceId: o.ServiceId, clusterId: o.ClusterId);
            }
            else
            {
                silo.UseRedisClustering(c => c.ConfigurationOptions = NasNetGrainServices.RedisConfig(redis));
                if (InKubernetes)
                {
                    silo.Configure<EndpointOptions>(e =>
                    {
                        e.SiloPort = o.SiloPort;
                        e.GatewayPort = o.GatewayPort;
                    });
                    silo.UseKubernetesHosting();
                }
                else if (string.IsNullOrWhiteSpace(o.AdvertisedIp))
                {
                    silo.ConfigureEndpoints(IPAddress.Loopback, o.SiloPort, o.GatewayPort, listenOnAnyHostAddress: false);
                }
                else
                {
                    silo.ConfigureEndpoints(IPAddress.Parse(o.AdvertisedIp), o.SiloPort, o.GatewayPort, listenOnAnyHostAddress: true);
                }
            }
        }

        if (redis.Length == 0)
        {
            silo.AddMemoryGrainStorage("nasnet");
            silo.AddMemoryGrainStorageAsDefault();
            silo.UseInMemoryReminderService();
        }
        else
        {
            // Binary serializer: strategy bytes stay compact, and renaming a type does not break stored state.
            silo.AddRedisGrainStorage("nasnet", ob => ob.Configure<Serializer>((s, ser) =>
            {
                s.ConfigurationOptions = NasNetGrainServices.RedisConfig(redis);
                s.GrainStorageSerializer = new OrleansGrainStorageSerializer(ser);
            }));
            silo.AddRedisGrainStorageAsDefault(s => s.ConfigurationOptions = NasNetGrainServices.RedisConfig(redis));
            silo.UseRedisReminderService(r => r.ConfigurationOptions = NasNetGrainServices.RedisConfig(redis));
        }

        silo.Configure<SiloMessagingOptions>(m => m.ResponseTimeout = TimeSpan.FromSeconds(o.ResponseTimeoutSeconds));
        if (o.FastMembership)
        {
            silo.Configure<ClusterMembershipOptions>(m =>
            {
                m.ProbeTimeout = TimeSpan.FromSeconds(1);
                m.NumMissedProbesLimit = 2;
                m.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
                m.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            });
        }

        silo.AddNasNetGrainServices(o, checkpointStore);
        return silo;
    }
}

/// <summary>Whether the silo is active (for /health): set when it reaches the Active stage, cleared when stopping.</summary>
public sealed class SiloHealth : ILifecycleParticipant<ISiloLifecycle>
{
    public bool Active { get; private set; }

    public string State { get; private set; } = "starting";

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(nameof(SiloHealth), ServiceLifecycleStage.Active,
        _ =>
        {
            Active = true;
            State = "ok";
            return Task.CompletedTask;
        },
        _ =>
        {
            Active = false;
            State = "stopping";
            return Task.CompletedTask;
        });
}
