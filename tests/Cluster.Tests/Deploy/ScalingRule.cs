using System.Globalization;
using NasNet.K8s.Tests.Kustomize;

namespace NasNet.Cluster.Tests.Deploy;

/// <summary>One HPA scaling policy: at most <see cref="Value"/> pods (or percent) per <see cref="Period"/>.</summary>
public sealed record ScalingPolicy(string Type, int Value, TimeSpan Period);

/// <summary>HPA v2 scaling rules of one direction.</summary>
public sealed record ScalingRules(TimeSpan StabilizationWindow, string SelectPolicy, IReadOnlyList<ScalingPolicy> Policies);

/// <summary>
/// What KEDA and the HPA it creates do with a ScaledObject that has one prometheus trigger: every
/// <see cref="SyncPeriod"/>, ask Prometheus for <see cref="Query"/>, treat the value as an external metric with an
/// AverageValue target of <see cref="Threshold"/> per replica, and move the replica count within
/// [<see cref="MinReplicas"/>, <see cref="MaxReplicas"/>] under the scale-up and scale-down behaviour.
/// </summary>
public sealed record ScalingRule(
    string Query, double Threshold, int MinReplicas, int MaxReplicas, TimeSpan SyncPeriod, ScalingRules Up, ScalingRules Down, double Tolerance)
{
    /// <summary>kube-controller-manager's --horizontal-pod-autoscaler-sync-period default: how often the HPA acts.</summary>
    public static readonly TimeSpan DefaultSyncPeriod = TimeSpan.FromSeconds(15);

    /// <summary>--horizontal-pod-autoscaler-tolerance default.</summary>
    public const double DefaultTolerance = 0.1;

    /// <summary>k8s/base/autoscaling.yaml.</summary>
    public static string BaseManifest => Path.Combine(Infrastructure.Repo.Root, "k8s", "base", "autoscaling.yaml");

    /// <summary>
    /// Reads a ScaledObject manifest (strictly, as tests/K8s.Tests does) with every time in it (stabilization windows,
    /// policy periods) and the HPA's sync period multiplied by <paramref name="timeScale"/>. pollingInterval and
    /// cooldownPeriod only decide scaling to and from zero replicas in KEDA, which minReplicaCount >= 1 rules out.
    /// </summary>
    public static ScalingRule Load(string path, double timeScale)
    {
        var spec = ScaledObject.Parse(File.ReadAllText(path)).Spec;
        var trigger = spec.Triggers.Single();
        if (trigger.Type != "prometheus")
        {
            throw new InvalidOperationException($"{path}: the trigger is '{trigger.Type}', the harness drives a prometheus trigger");
        }

        var behavior = spec.Advanced?.HorizontalPodAutoscalerConfig?.Behavior;
        TimeSpan Scaled(double seconds) => TimeSpan.FromSeconds(seconds * timeScale);
        ScalingRules Rules(HpaScalingRules? r, int defaultWindow, ScalingPolicy[] defaults) => new(
            Scaled(r?.StabilizationWindowSeconds ?? defaultWindow),
            r?.SelectPolicy ?? "Max",
            r?.Policies is { Count: > 0 } p ? p.Select(x => new ScalingPolicy(x.Type, x.Value, Scaled(x.PeriodSeconds))).ToArray() : defaults);
        return new ScalingRule(
            trigger.Metadata["query"],
            double.Parse(trigger.Metadata["threshold"], CultureInfo.InvariantCulture),
            Math.Max(1, spec.MinReplicaCount ?? 0), // KEDA's HPA never has fewer than one replica
            spec.MaxReplicaCount ?? 100,
            Scaled(DefaultSyncPeriod.TotalSeconds),
            // The HPA's defaults where the manifest gives no behaviour (k8s.io/api autoscaling/v2).
            Rules(behavior?.ScaleUp, 0, [new("Percent", 100, Scaled(15)), new("Pods", 4, Scaled(15))]),
            Rules(behavior?.ScaleDown, 300, [new("Percent", 100, Scaled(15))]),
            DefaultTolerance);
    }
}

/// <summary>One decision of the <see cref="HorizontalScaler"/>.</summary>
public sealed record ScaleDecision(DateTime AtUtc, double Metric, int Current, int Raw, int Stabilized, int Desired);

/// <summary>
/// The HPA v2 replica arithmetic for one external metric with an AverageValue target, as in Kubernetes'
/// pkg/controller/podautoscaler (replica_calculator.go GetExternalPerPodMetricReplicas, horizontal.go
/// stabilizeRecommendationWithBehaviors, convertDesiredReplicasWithBehaviorRate, calculateScale{Up,Down}Limit...):
/// raw = ceil(metric / threshold) unless within the tolerance of the current count; stabilized = the lowest
/// recommendation within the scale-up window and the highest within the scale-down window; then limited by the
/// policies' changes per period (the events of the last period count) and by min/max replicas.
/// </summary>
public sealed class HorizontalScaler(ScalingRule rule)
{
    private readonly List<(DateTime At, int Replicas)> _recommendations = [];
    private readonly List<(DateTime At, int Change)> _upEvents = [];
    private readonly List<(DateTime At, int Change)> _downEvents = [];

    public ScalingRule Rule => rule;

    public ScaleDecision Decide(DateTime now, double metric, int current)
    {
        var raw = current;
        if (current > 0)
        {
            var usageRatio = metric / (rule.Threshold * current);
            if (Math.Abs(1.0 - usageRatio) > rule.Tolerance)
            {
                raw = (int)Math.Ceiling(metric / rule.Threshold);
            }
        }
        else
        {
            raw = (int)Math.Ceiling(metric / rule.Threshold);
        }

        var stabilized = Stabilize(now, current, raw);
        var desired = Limit(now, current, stabilized);
        if (desired > current)
        {
            _upEvents.Add((now, desired - current));
        }
        else if (desired < current)
        {
            _downEvents.Add((now, current - desired));
        }

        return new ScaleDecision(now, metric, current, raw, stabilized, desired);
    }

    private int Stabilize(DateTime now, int current, int raw)
    {
        var up = raw;
        var down = raw;
        foreach (var (at, replicas) in _recommendations)
        {
            if (at > now - rule.Up.StabilizationWindow)
            {
                up = Math.Min(up, replicas);
            }

            if (at > now - rule.Down.StabilizationWindow)
            {
                down = Math.Max(down, replicas);
            }
        }

        var keep = rule.Up.StabilizationWindow > rule.Down.StabilizationWindow ? rule.Up.StabilizationWindow : rule.Down.StabilizationWindow;
        _recommendations.RemoveAll(r => r.At <= now - keep);
        _recommendations.Add((now, raw));
        var recommendation = current;
        if (recommendation < up)
        {
            recommendation = up;
        }

        if (recommendation > down)
        {
            recommendation = down;
        }

        return recommendation;
    }

    private int Limit(DateTime now, int current, int desired)
    {
        if (current < rule.MinReplicas)
        {
            return rule.MinReplicas;
        }

        if (current > rule.MaxReplicas)
        {
            return rule.MaxReplicas;
        }

        if (desired > current)
        {
            var limit = Math.Max(current, PolicyLimit(now, current, rule.Up, up: true));
            return Math.Min(desired, Math.Min(rule.MaxReplicas, limit));
        }

        if (desired < current)
        {
            var limit = Math.Min(current, PolicyLimit(now, current, rule.Down, up: false));
            return Math.Max(desired, Math.Max(rule.MinReplicas, limit));
        }

        return desired;
    }

    private int PolicyLimit(DateTime now, int current, ScalingRules rules, bool up)
    {
        if (rules.SelectPolicy == "Disabled")
        {
            return current;
        }

        // Max (the default) picks the policy allowing the largest change, Min the smallest.
        var largest = rules.SelectPolicy != "Min";
        int? result = null;
        foreach (var p in rules.Policies)
        {
            var added = _upEvents.Where(e => e.At > now - p.Period).Sum(e => e.Change);
            var deleted = _downEvents.Where(e => e.At > now - p.Period).Sum(e => e.Change);
            var periodStart = current - added + deleted;
            int proposed = (p.Type, up) switch
            {
                ("Pods", true) => periodStart + p.Value,
                ("Pods", false) => periodStart - p.Value,
                ("Percent", true) => (int)Math.Ceiling(periodStart * (1 + p.Value / 100.0)),
                ("Percent", false) => (int)(periodStart * (1 - p.Value / 100.0)),
                _ => throw new InvalidOperationException($"unknown HPA policy type '{p.Type}' (Pods, Percent)"),
            };
            result = result is null ? proposed : (up == largest ? Math.Max(result.Value, proposed) : Math.Min(result.Value, proposed));
        }

        return result ?? current;
    }
}
