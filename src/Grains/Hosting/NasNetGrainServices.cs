using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NasNet.Grains.Storage;
using NasNet.Grains.Telemetry;
using StackExchange.Redis;

namespace NasNet.Grains.Hosting;

/// <summary>Registers the grains' services on a silo: checkpoint store, trainer factory, metrics, training host.</summary>
public static class NasNetGrainServices
{
    /// <summary>Adds the NasNet grain services; <paramref name="checkpointStore"/> overrides the configured store.</summary>
    public static ISiloBuilder AddNasNetGrainServices(this ISiloBuilder silo, NasNetOptions options, ICheckpointStore? checkpointStore = null)
    {
        var services = silo.Services;
        silo.AddIncomingGrainCallFilter<UserErrorCallFilter>();
        services.AddMetrics();
        // The options are bound and validated once by the host (NasNetHosting.ReadOptions); the validator runs again at
        // start for silos configured in code (test clusters).
        services.AddSingleton<IValidateOptions<NasNetOptions>, NasNetOptionsValidator>();
        services.AddOptions<NasNetOptions>().Configure(o => Copy(options, o)).ValidateOnStart();
        services.TryAddSingleton<NasNetMetrics>();
        services.TryAddSingleton<TrainerFactory>();
        if (checkpointStore is not null)
        {
            services.AddSingleton(checkpointStore);
        }
        else if (options.EffectiveCheckpointStore == "redis")
        {
            services.AddSingleton<ICheckpointStore>(sp => new RedisCheckpointStore(
                ConnectionMultiplexer.Connect(RedisConfig(options.Redis)), options.ServiceId));
        }
        else
        {
            services.AddSingleton<ICheckpointStore>(MemoryCheckpointStore.Process);
        }

        services.AddSingleton<TrainingHost>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<TrainingHost>());
        return silo;
    }

    private static void Copy(NasNetOptions from, NasNetOptions to)
    {
        foreach (var p in typeof(NasNetOptions).GetProperties().Where(p => p.CanWrite))
        {
            p.SetValue(to, p.GetValue(from));
        }
    }

    /// <summary>Redis options for every NasNet connection: no abort on a failed first connect, short timeouts.</summary>
    public static ConfigurationOptions RedisConfig(string connectionString)
    {
        var c = ConfigurationOptions.Parse(connectionString);
        c.AbortOnConnectFail = false;
        c.ConnectTimeout = Math.Min(c.ConnectTimeout, 5000);
        c.SyncTimeout = Math.Min(c.SyncTimeout, 5000);
        c.AsyncTimeout = Math.Min(c.AsyncTimeout, 5000);
        return c;
    }
}
