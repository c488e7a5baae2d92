using System.Globalization;
using System.Text;

namespace NasNet.Cluster.Tests.Deploy;

/// <summary>One row of the autoscaler's log: the decision and what was done (silos started or sent SIGTERM).</summary>
public sealed record ScaleStep(TimeSpan At, ScaleDecision Decision, int TargetsDown, string Action);

/// <summary>
/// KEDA + HPA in a loop: every sync period asks Prometheus for the ScaledObject's query, decides with
/// <see cref="HorizontalScaler"/>, then starts silos (scale-out) or sends SIGTERM to the newest ones (scale-in: they
/// drain), as a Deployment's ReplicaSet would. Keeps Prometheus' targets equal to the live silos.
/// </summary>
public sealed class Autoscaler
{
    private readonly HorizontalScaler _scaler;
    private readonly PrometheusServer _prometheus;
    private readonly SiloFleet _fleet;
    private readonly List<ScaleStep> _steps = [];
    private readonly List<Task> _stopping = [];
    private readonly DateTime _startedUtc = DateTime.UtcNow;

    public Autoscaler(ScalingRule rule, PrometheusServer prometheus, SiloFleet fleet)
    {
        _scaler = new HorizontalScaler(rule);
        _prometheus = prometheus;
        _fleet = fleet;
        fleet.Changed += UpdateTargets;
        UpdateTargets();
    }

    public IReadOnlyList<ScaleStep> Steps
    {
        get
        {
            lock (_steps)
            {
                return _steps.ToList();
            }
        }
    }

    /// <summary>Query errors seen (Prometheus unreachable), as KEDA would log them; the replica count stays.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Scale actions that failed (a silo start that timed out); the next sync decides again.</summary>
    public List<string> ActionErrors { get; } = [];

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await StepAsync();
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // A silo that failed to start (docker run timed out on a loaded machine) ends this sync, not the
                // loop, as a ReplicaSet retries a failed pod: before, the exception ended the loop and a clean-clone
                // run waited for a scale-in that never came (one logged step, 5 replicas left).
                lock (ActionErrors)
                {
                    ActionErrors.Add(e.Message);
                }
            }

            try
            {
                await Task.Delay(_scaler.Rule.SyncPeriod, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(_stopping);
    }

    /// <summary>One sync: query, decide, act.</summary>
    public async Task StepAsync()
    {
        double metric;
        try
        {
            metric = await _prometheus.QueryScalarAsync(_scaler.Rule.Query);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            Errors.Add(e.Message);
            return;
        }

        // Not part of the rule: how many silos Prometheus failed to scrape at this moment (a failed scrape of the silo
        // hosting a campaign's controller drops its pending work from the sum).
        var down = -1;
        try
        {
            down = (int)await _prometheus.QueryScalarAsync("count(up == 0)");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
        }

        var live = _fleet.Live;
        // The step is logged at the decision's time, the clock the policies' periods count on: starting silos takes
        // seconds, and a step stamped after them looked closer to the next one than the rule saw it (a test failure
        // "scale-in of 2 within 2 s" for two decisions 2.0 s apart, logged 1.9 s apart).
        var now = DateTime.UtcNow;
        var decision = _scaler.Decide(now, metric, live.Count);
        var action = "";
        if (decision.Desired > live.Count)
        {
            var started = await Task.WhenAll(Enumerable.Range(0, decision.Desired - live.Count).Select(_ => _fleet.StartAsync()));
            action = "start " + string.Join(' ', started.Select(s => s.Name));
        }
        else if (decision.Desired < live.Count)
        {
            // The newest first, as a ReplicaSet picks pods to delete among equally ready ones.
            var victims = live.OrderByDescending(s => s.StartedUtc).Take(live.Count - decision.Desired).ToList();
            lock (_stopping)
            {
                _stopping.AddRange(victims.Select(_fleet.TerminateAsync));
            }

            action = "SIGTERM " + string.Join(' ', victims.Select(s => s.Name));
        }

        lock (_steps)
        {
            _steps.Add(new ScaleStep(now - _startedUtc, decision, down, action));
        }
    }

    /// <summary>The steps where something changed (metric, raw recommendation or replicas), as a Markdown table.</summary>
    public string Table()
    {
        var sb = new StringBuilder("| t (s) | sum(nasnet_pending_work) | targets down | replicas | raw ceil(m/threshold) | stabilized | desired | action |\n|---:|---:|---:|---:|---:|---:|---:|---|\n");
        ScaleStep? previous = null;
        foreach (var s in Steps)
        {
            var d = s.Decision;
            if (previous is not null && s.Action.Length == 0 && d.Metric == previous.Decision.Metric && d.Raw == previous.Decision.Raw && d.Stabilized == previous.Decision.Stabilized && d.Current == previous.Decision.Current && s.TargetsDown == previous.TargetsDown)
            {
                continue;
            }

            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {s.At.TotalSeconds:F1} | {d.Metric:0.##} | {s.TargetsDown} | {d.Current} | {d.Raw} | {d.Stabilized} | {d.Desired} | {s.Action} |"));
            previous = s;
        }

        return sb.ToString();
    }

    private void UpdateTargets() => _prometheus.SetTargets(_fleet.Live.Select(s => (s.Name, s.HttpPort)));
}
