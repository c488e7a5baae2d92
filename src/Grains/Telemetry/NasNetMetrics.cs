using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace NasNet.Grains.Telemetry;

/// <summary>A campaign's gauge values, as its controller last published them on this silo.</summary>
public sealed record CampaignGauges(int Pending, int Running, int Done, int Failed, int CacheHits, double BestReward, int PolicyVersion, bool Active);

/// <summary>
/// The OpenTelemetry meter "NasNet" of one silo: campaign gauges (tagged by campaign), trainer busy slots, epoch time,
/// images/s, and the autoscaling signal nasnet_pending_work (pending candidates x slots each needs, summed over the
/// campaigns active on this silo; 0 when nothing runs).
/// </summary>
public sealed class NasNetMetrics : IDisposable
{
    /// <summary>The meter name to export.</summary>
    public const string MeterName = "NasNet";

    /// <summary>
    /// The metric families this meter exports, by their Prometheus names (a counter gains <c>_total</c>); each has help
    /// text and a unit, and <c>promtool check metrics</c> finds nothing to fix in them (tests/Cluster.Tests).
    /// </summary>
    public static readonly IReadOnlyList<string> Families =
    [
        "nasnet_pending_work", "nasnet_campaign_pending", "nasnet_campaign_running", "nasnet_campaign_done", "nasnet_campaign_failed",
        "nasnet_campaign_cache_hits", "nasnet_campaign_best_reward", "nasnet_campaign_policy_version", "nasnet_trainer_busy_slots",
        "nasnet_trainer_slots", "nasnet_trainer_epoch_seconds", "nasnet_trainer_images_per_second", "nasnet_trainer_leases_total",
        "nasnet_trainer_overhead_seconds", "nasnet_trainer_onednn_fallback_steps_total",
    ];

    /// <summary>Training slots a candidate needs (one device or one CPU slot).</summary>
    public const int SlotsPerCandidate = 1;

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<string, CampaignGauges> _campaigns = new();
    private readonly Histogram<double> _epochSeconds;
    private readonly Histogram<double> _imagesPerSecond;
    private readonly Counter<long> _leases;
    private readonly Histogram<double> _overhead;
    private readonly Counter<long> _oneDnnFallbackSteps;
    private int _busySlots;
    private int _slots;

    public NasNetMetrics(IMeterFactory factory)
    {
        _meter = factory.Create(MeterName);
        // Units are UCUM as OpenTelemetry asks; "{...}" annotations are counts of things and add no name suffix, so the
        // exported names stay as Kubernetes' scaler and the dashboards know them (nasnet_pending_work, ...).
        _meter.CreateObservableGauge("nasnet_pending_work", () => PendingWork, "{slot}", "Pending candidates x training slots each needs, summed over the campaigns active on this silo (the autoscaling signal)");
        _meter.CreateObservableGauge("nasnet_campaign_pending", () => Gauge(g => g.Pending), "{candidate}", "Candidates of a campaign waiting for a trainer");
        _meter.CreateObservableGauge("nasnet_campaign_running", () => Gauge(g => g.Running), "{candidate}", "Candidates of a campaign leased to a trainer");
        _meter.CreateObservableGauge("nasnet_campaign_done", () => Gauge(g => g.Done), "{candidate}", "Candidates of a campaign with a recorded result (cache hits included)");
        _meter.CreateObservableGauge("nasnet_campaign_failed", () => Gauge(g => g.Failed), "{candidate}", "Candidates of a campaign that failed all their attempts");
        _meter.CreateObservableGauge("nasnet_campaign_cache_hits", () => Gauge(g => g.CacheHits), "{candidate}", "Candidates of a campaign whose genotype was already trained (result reused)");
        _meter.CreateObservableGauge("nasnet_campaign_best_reward", () => _campaigns.Select(kv => new Measurement<double>(kv.Value.BestReward, new KeyValuePair<string, object?>("campaign", kv.Key))), "{reward}", "Best reward of a campaign so far (validation accuracy, cost-shaped when the campaign asks)");
        _meter.CreateObservableGauge("nasnet_campaign_policy_version", () => Gauge(g => g.PolicyVersion), "{update}", "Policy updates a campaign's search strategy has made");
        _meter.CreateObservableGauge("nasnet_trainer_busy_slots", () => Volatile.Read(ref _busySlots), "{slot}", "Training slots of this silo training a candidate now");
        _meter.CreateObservableGauge("nasnet_trainer_slots", () => Volatile.Read(ref _slots), "{slot}", "Training slots of this silo");
        _epochSeconds = _meter.CreateHistogram<double>("nasnet_trainer_epoch_seconds", "s", "Wall time of one training epoch of one candidate");
        _imagesPerSecond = _meter.CreateHistogram<double>("nasnet_trainer_images_per_second", "{image}/s", "Training throughput of one candidate, images per second");
        _leases = _meter.CreateCounter<long>("nasnet_trainer_leases", "{lease}", "Leases this silo's trainers have taken");
        _oneDnnFallbackSteps = _meter.CreateCounter<long>("nasnet_trainer_onednn_fallback_steps", "{step}",
            "Training steps re-run without oneDNN after a non-finite result (the per-step guard); above 0, this CPU's oneDNN kernels misbehave");
        _overhead = _meter.CreateHistogram<double>("nasnet_trainer_overhead_seconds", "s", "Orchestration time per candidate: lease request and result report, excluding training");
    }

    /// <summary>The autoscaling signal on this silo.</summary>
    public long PendingWork => _campaigns.Values.Where(g => g.Active).Sum(g => (long)g.Pending * SlotsPerCandidate);

    /// <summary>Slots currently training on this silo.</summary>
    public int BusySlots => Volatile.Read(ref _busySlots);

    public void Publish(string campaignId, CampaignGauges gauges) => _campaigns[campaignId] = gauges;

    public void Remove(string campaignId) => _campaigns.TryRemove(campaignId, out _);

    public void SetSlots(int slots)
    {
        Volatile.Write(ref _slots, slots);
        _oneDnnFallbackSteps.Add(0); // exported from the start (0 is the healthy value an alert compares with)
    }

    /// <summary>Steps of one training that the oneDNN guard re-ran on the reference kernels.</summary>
    public void OneDnnFallback(int steps) => _oneDnnFallbackSteps.Add(steps);

    public void SlotBusy(bool busy)
    {
        if (busy)
        {
            Interlocked.Increment(ref _busySlots);
            _leases.Add(1);
        }
        else
        {
            Interlocked.Decrement(ref _busySlots);
        }
    }

    public void Epoch(double seconds, double imagesPerSecond)
    {
        if (seconds > 0)
        {
            _epochSeconds.Record(seconds);
        }

        if (imagesPerSecond > 0)
        {
            _imagesPerSecond.Record(imagesPerSecond);
        }
    }

    /// <summary>Orchestration time of one candidate (lease request + result report), excluding the training itself.</summary>
    public void Overhead(double seconds) => _overhead.Record(seconds);

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<int>> Gauge(Func<CampaignGauges, int> pick) =>
        _campaigns.Select(kv => new Measurement<int>(pick(kv.Value), new KeyValuePair<string, object?>("campaign", kv.Key)));
}
