using System.Text.Json.Serialization;

namespace NasNet.Core.Controller;

/// <summary>The cost a <see cref="CostObjective"/> weighs: mult-adds (known before training) or measured latency.</summary>
[JsonConverter(typeof(WireEnumConverter<CostMetric>))]
public enum CostMetric
{
    /// <summary>Multiply-adds of the child network, computed from the genotype before any training.</summary>
    [JsonStringEnumMemberName("multadds")]
    MultAdds,

    /// <summary>
    /// Inference latency measured on the target hardware (by the trainer, per candidate). Multi-branch cells such as
    /// NASNet's can be slower than their mult-adds suggest, so mult-adds alone is not trusted as a cell's speed.
    /// </summary>
    [JsonStringEnumMemberName("latency")]
    Latency,
}

/// <summary>
/// Optional cost-aware reward shaping, to search for mobile-size cells. The soft form is MnasNet's (Tan et al. 2019):
/// reward = accuracy × (cost / target)^w, with w = <see cref="ExponentBelow"/> when cost ≤ target and
/// <see cref="ExponentAbove"/> otherwise (MnasNet soft constraint: both −0.07; hard-ish: 0 and −1). A
/// <see cref="HardLimit"/> rejects a genotype before any training (a mult-adds limit) or after measuring (latency).
/// Pure functions: the cluster computes the cost (mult-adds from the genotype, latency from the trainer) and applies
/// <see cref="Shape"/> to the accuracy before observing it, and <see cref="Reject"/> before queuing a candidate.
/// </summary>
public sealed record CostObjective
{
    /// <summary>Which cost is weighed.</summary>
    public CostMetric Metric { get; init; } = CostMetric.MultAdds;

    /// <summary>The target cost T (mult-adds, or milliseconds of latency); must be positive.</summary>
    public double Target { get; init; }

    /// <summary>Exponent when cost ≤ target (MnasNet: −0.07; 0 = no bonus for being cheaper).</summary>
    public double ExponentBelow { get; init; } = -0.07;

    /// <summary>Exponent when cost &gt; target (MnasNet: −0.07; −1 = a steep penalty).</summary>
    public double ExponentAbove { get; init; } = -0.07;

    /// <summary>Costs above this are rejected outright (null: no hard limit).</summary>
    public double? HardLimit { get; init; }

    /// <summary>Parses a metric name: multadds | latency (one-line user error otherwise).</summary>
    public static CostMetric ParseMetric(string name) => name.Trim().ToLowerInvariant() switch
    {
        "mult-adds" or "madds" => CostMetric.MultAdds,
        var n => WireEnum.Parse<CostMetric>(n, "cost.metric"),
    };

    /// <summary>Throws a one-line <see cref="UserErrorException"/> naming the first invalid field.</summary>
    public CostObjective Validate()
    {
        if (!(Target > 0) || !double.IsFinite(Target))
        {
            throw new UserErrorException($"cost.target must be a positive number (got {Target})");
        }

        if (!double.IsFinite(ExponentBelow) || !double.IsFinite(ExponentAbove))
        {
            throw new UserErrorException("cost.exponentBelow and cost.exponentAbove must be finite numbers (MnasNet: -0.07)");
        }

        if (HardLimit is { } h && !(h > 0))
        {
            throw new UserErrorException($"cost.hardLimit must be a positive number or absent (got {h})");
        }

        return this;
    }

    /// <summary>The shaped reward accuracy × (cost / target)^w.</summary>
    public double Shape(double accuracy, double cost)
    {
        if (!(cost > 0) || !double.IsFinite(cost))
        {
            throw new ArgumentOutOfRangeException(nameof(cost), $"cost must be a positive number (got {cost})");
        }

        var w = cost <= Target ? ExponentBelow : ExponentAbove;
        return accuracy * Math.Pow(cost / Target, w);
    }

    /// <summary>True when the cost exceeds the hard limit: the candidate is not trained.</summary>
    public bool Reject(double cost) => HardLimit is { } h && cost > h;
}
