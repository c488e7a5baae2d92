using System.Net;
using Microsoft.Extensions.Options;

namespace NasNet.Grains.Hosting;

/// <summary>
/// Validates the "NasNet" section once, at silo start (and before the providers are chosen from it): each failure is
/// one line naming the option and the fix.
/// </summary>
public sealed class NasNetOptionsValidator : IValidateOptions<NasNetOptions>
{
    public ValidateOptionsResult Validate(string? name, NasNetOptions o)
    {
        var failures = Failures(o).ToArray();
        return failures.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static IEnumerable<string> Failures(NasNetOptions o)
    {
        foreach (var (port, key) in new[] { (o.SiloPort, "SiloPort"), (o.GatewayPort, "GatewayPort"), (o.DashboardPort, "DashboardPort") })
        {
            if (port is < 0 or > 65535)
            {
                yield return $"NasNet:{key} {port} is not a port: use 1-65535{(key == "DashboardPort" ? " (0 = any free port)" : "")}";
            }
        }

        if (o.Slots < 0)
        {
            yield return $"NasNet:Slots {o.Slots} is negative: use 0 (auto: CUDA devices, else one per CPU core) or a number of training slots";
        }

        if (o.EffectiveCheckpointStore is not ("redis" or "memory"))
        {
            yield return $"NasNet:CheckpointStore '{o.CheckpointStore}' is not one of redis, memory";
        }
        else if (o.EffectiveCheckpointStore == "redis" && string.IsNullOrWhiteSpace(o.Redis))
        {
            yield return "NasNet:CheckpointStore 'redis' needs NasNet:Redis (a Redis connection string), or use 'memory'";
        }

        if (!string.IsNullOrWhiteSpace(o.AdvertisedIp) && !IPAddress.TryParse(o.AdvertisedIp, out _))
        {
            yield return $"NasNet:AdvertisedIp '{o.AdvertisedIp}' is not an IP address: give this silo's address as other silos reach it, or leave it empty";
        }

        if (string.IsNullOrWhiteSpace(o.ClusterId) || string.IsNullOrWhiteSpace(o.ServiceId))
        {
            yield return "NasNet:ClusterId and NasNet:ServiceId must not be empty (default: nasnet)";
        }

        if (!(o.ResponseTimeoutSeconds > 0))
        {
            yield return $"NasNet:ResponseTimeoutSeconds {o.ResponseTimeoutSeconds} must be a positive number of seconds (default 30)";
        }

        if (o.WebToken is { Length: > 0 } token && (token.Length < 16 || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            yield return "NasNet:WebToken must be at least 16 characters without spaces (a random secret, e.g. from 'openssl rand -hex 16'), or empty for an open page";
        }

        if (!(o.DrainSeconds >= 0))
        {
            yield return $"NasNet:DrainSeconds {o.DrainSeconds} must be 0 or more seconds (default 20)";
        }
    }
}
