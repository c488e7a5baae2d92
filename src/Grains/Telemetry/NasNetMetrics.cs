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

    /// <summary>Training slots a candidate needs (one device or one CPU slot).</summary>
    public const int SlotsPerCandidate = 1;

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<string, CampaignGauges> _campaigns = new();
    private readonly Histogram<double> _epochSeconds;
    private readonly Histogram<double> _imagesPerSecond;
    private readonly Counter<long> _leases;
    private readonly Histogram<double> _overhead;
    private int _busySlots;
    private int _slots;

    public NasNetMetrics(IMeterFactory factory)
    {
        _meter = factory.Create(MeterName);
        _meter.CreateObservableGauge("nasnet_pending_work", () => (long)PendingWork, description: "pending candidates x slots each needs, over the campaigns active on this silo");
        _meter.CreateObservableGauge("nasnet_campaign_pending", () => Gauge(g => g.Pending));
        _meter.CreateObservableGauge("nasnet_campaign_running", () => Gauge(g => g.Running));
        _meter.CreateObservableGauge("nasnet_campaign_done", () => Gauge(g => g.Done));
        _meter.CreateObservableGauge("nasnet_campaign_failed", () => Gauge(g => g.Failed));
        _meter.CreateObservableGauge("nasnet_campaign_cache_hits", () => Gauge(g => g.CacheHits));
        _meter.CreateObservableGauge("nasnet_campaign_best_reward", () => _campaigns.Select(kv => new Measurement<double>(kv.Value.BestReward, new KeyValuePair<string, object?>("campaign", kv.Key))));
        _meter.CreateObservableGauge("nasnet_campaign_policy_version", () => Gauge(g => g.PolicyVersion));
        _meter.CreateObservableGauge("nasnet_trainer_busy_slots", () => Volatile.Read(ref _busySlots));
        _meter.CreateObservableGauge("nasnet_trainer_slots", () => Volatile.Read(ref _slots));
        _epochSeconds = _meter.CreateHistogram<double>("nasnet_trainer_epoch_seconds", "s");
        _imagesPerSecond = _meter.CreateHistogram<double>("nasnet_trainer_images_per_second");
        _leases = _meter.CreateCounter<long>("nasnet_trainer_leases");
        _overhead = _meter.CreateHistogram<double>("nasnet_trainer_overhead_seconds", "s", "per candidate: lease request and result report, excluding training");
    }

    /// <summary>The autoscaling signal on this silo.</summary>
    public long PendingWork => _campaigns.Values.Where(g => g.Active).Sum(g => (long)g.Pending * SlotsPerCandidate);

    /// <summary>Slots currently training on this silo.</summary>
    public int BusySlots => Volatile.Read(ref _busySlots);

    public void Publish(string campaignId, CampaignGauges gauges) => _campaigns[campaignId] = gauges;

    public void Remove(string campaignId) => _campaigns.TryRemove(campaignId, out _);

    public void SetSlots(int slots) => Volatile.Write(ref _slots, slots);

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
