using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NasNet.Grains.Storage;

namespace NasNet.Silo;

/// <summary>
/// A silo hosted inside another process (the client's `demo` and `campaign start --local`), configured by the same
/// <see cref="NasNetHosting.AddNasNet"/> as the silo executable. Disposing stops it (draining its trainings).
/// </summary>
public sealed class EmbeddedSilo : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmbeddedSilo(WebApplication app)
    {
        _app = app;
        Client = app.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>The in-process cluster client.</summary>
    public IClusterClient Client { get; }

    /// <summary>Training slots of this silo (configured, or the default: CUDA devices, else one per CPU core).</summary>
    public int Slots => _app.Services.GetRequiredService<NasNet.Grains.Hosting.TrainingHost>().Slots;

    /// <summary>The HTTP base address of /dashboard, /health and /metrics.</summary>
    public string? HttpAddress => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();

    /// <summary>Starts a silo from "NasNet:..." settings (plus any others, e.g. logging levels).</summary>
    public static async Task<EmbeddedSilo> StartAsync(IDictionary<string, string?> settings, ICheckpointStore? checkpointStore = null, CancellationToken ct = default)
    {
        NasNet.Core.Training.OpenMp.PreferPassiveWait();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        if (settings.TryGetValue("Logging:Console", out var console) && console == "true")
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        builder.AddNasNet(checkpointStore);
        var app = builder.Build();
        app.MapNasNet();
        await app.StartAsync(ct);
        return new EmbeddedSilo(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
