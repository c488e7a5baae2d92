using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NasNet.Grains.Interfaces;

namespace NasNet.Silo.Web;

/// <summary>
/// The trainers' busy share over time, for the campaign page: every <see cref="Interval"/> this silo reads the status
/// of each running campaign (its leases: slots busy for it) and, less often, the cluster's training slots (the active
/// trainer grains, one per slot). Nothing is stored: each silo samples from its own start, in memory, and a series
/// keeps at most <see cref="MaxSamples"/> points by halving its resolution when full.
/// </summary>
public sealed class BusySampler(IGrainFactory grains, SiloHealth health, ILogger<BusySampler> log) : BackgroundService
{
    /// <summary>Time between samples.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>Points per campaign series before two neighbours are merged into one.</summary>
    public const int MaxSamples = 600;

    private const int MaxCampaigns = 100;
    private static readonly TimeSpan SlotsEvery = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Series> _series = new();
    private int _slots;
    private DateTime _slotsRead = DateTime.MinValue;

    /// <summary>The series of a campaign (null when this silo has not seen it running).</summary>
    public BusySeries? Get(string campaignId) => _series.TryGetValue(campaignId, out var s) ? s.Snapshot() : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (!health.Active)
            {
                continue;
            }

            try
            {
                await SampleAsync(DateTime.UtcNow);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogDebug(ex, "busy sample skipped");
            }
        }
    }

    private async Task SampleAsync(DateTime now)
    {
        if (now - _slotsRead >= SlotsEvery)
        {
            // Each training slot's loop keeps its trainer grain active (it asks the broker for work every few seconds).
            var type = grains.GetGrain<ITrainerGrain>("-").GetGrainId().Type;
            _slots = (await grains.GetGrain<IManagementGrain>(0).GetActiveGrains(type)).Count;
            _slotsRead = now;
        }

        var active = await grains.GetGrain<IWorkBrokerGrain>(0).ListActive();
        var statuses = await Task.WhenAll(active.Select(id => grains.GetGrain<ICampaignGrain>(id).GetStatus()));
        foreach (var s in statuses)
        {
            _series.GetOrAdd(s.Id, _ => new Series()).Add(now, s.State == CampaignState.Running ? s.Trainers.Length : 0, _slots);
        }

        // Campaigns that stopped running get a last sample at 0, then are left as they are.
        foreach (var (id, series) in _series)
        {
            if (!active.Contains(id) && series.Running)
            {
                series.Add(now, 0, _slots);
                series.Running = false;
            }
        }

        while (_series.Count > MaxCampaigns && _series.MinBy(kv => kv.Value.LastUtc) is { Key: var oldest })
        {
            _series.TryRemove(oldest, out _);
        }
    }

    private sealed class Series
    {
        private readonly List<(DateTime T, double Busy, double Slots)> _points = [];
        private int _merge = 1; // samples per point
        private int _pending;
        private double _busySum;
        private double _slotsSum;

        public bool Running { get; set; } = true;

        public DateTime LastUtc { get; private set; }

        public void Add(DateTime t, int busy, int slots)
        {
            lock (_points)
            {
                LastUtc = t;
                _busySum += busy;
                _slotsSum += slots;
                if (++_pending < _merge)
                {
                    return;
                }

                _points.Add((t, _busySum / _pending, _slotsSum / _pending));
                _pending = 0;
                _busySum = _slotsSum = 0;
                if (_points.Count >= MaxSamples)
                {
                    // Full: every two neighbours become one point (their mean, at the later time).
                    for (var i = 0; i < _points.Count / 2; i++)
                    {
                        var (a, b) = (_points[2 * i], _points[(2 * i) + 1]);
                        _points[i] = (b.T, (a.Busy + b.Busy) / 2, (a.Slots + b.Slots) / 2);
                    }

                    _points.RemoveRange(_points.Count / 2, _points.Count - (_points.Count / 2));
                    _merge *= 2;
                }
            }
        }

        public BusySeries Snapshot()
        {
            lock (_points)
            {
                return new BusySeries(
                    _points.Select(p => new DateTimeOffset(p.T).ToUnixTimeMilliseconds()).ToArray(),
                    _points.Select(p => Math.Round(p.Busy, 3)).ToArray(),
                    _points.Select(p => Math.Round(p.Slots, 3)).ToArray(),
                    Interval.TotalSeconds * _merge);
            }
        }
    }
}

/// <summary>Busy slots of one campaign and the cluster's slots at each sample (unix ms), <see cref="Seconds"/> apart.</summary>
public sealed record BusySeries(long[] T, double[] Busy, double[] Slots, double Seconds);
