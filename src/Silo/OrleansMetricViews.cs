using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace NasNet.Silo;

/// <summary>
/// OpenTelemetry views that make Orleans' own instruments pass Prometheus' linter (<c>promtool check metrics</c>) on
/// /metrics: Orleans 10 gives its instruments no descriptions (exported as families without HELP), so each gets one
/// naming the instrument; and it records latencies in milliseconds and memory in megabytes, which Prometheus rejects
/// ("use base unit seconds/bytes") and a view cannot convert, so those few (request, activation, directory and
/// storage latencies, available and total memory) are left out of the export. The Orleans dashboard still shows them.
/// </summary>
public static class OrleansMetricViews
{
    /// <summary>The meter Orleans' runtime publishes.</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    private static readonly HashSet<string> NonBaseUnits = new(StringComparer.Ordinal) { "ms", "us", "ns", "min", "h", "KB", "MB", "GB", "KiBy", "MiBy", "GiBy" };

    /// <summary>The view of one instrument: null (unchanged) for NasNet's own, a description or a drop for Orleans'.</summary>
    public static MetricStreamConfiguration? For(Instrument instrument)
    {
        if (instrument.Meter.Name != OrleansMeter)
        {
            return null;
        }

        if (instrument.Unit is { } unit && NonBaseUnits.Contains(unit))
        {
            return MetricStreamConfiguration.Drop;
        }

        return string.IsNullOrWhiteSpace(instrument.Description)
            ? new MetricStreamConfiguration { Description = $"Orleans runtime instrument {instrument.Name} (see the Orleans documentation, Observability)" }
            : null;
    }
}
