using System.Text.Json.Serialization;
using NasNet.Core.Controller;

namespace NasNet.Core.Campaigns;

/// <summary>The search space a campaign samples cells from (a config's <c>searchSpace</c>).</summary>
[JsonConverter(typeof(WireEnumConverter<SearchSpaceKind>))]
public enum SearchSpaceKind
{
    /// <summary>NASNet's cell space (5 blocks, 2 cells; ../shared/spec/nasnet.md).</summary>
    [JsonStringEnumMemberName("nasnet")]
    NasNet,

    /// <summary>NAS-Bench-201's cell space (4 nodes, 6 edges, 5 ops; ../shared/data/nb201).</summary>
    [JsonStringEnumMemberName("nas-bench-201")]
    NasBench201,
}

/// <summary>What trains a candidate (a config's <c>trainer.kind</c>).</summary>
[JsonConverter(typeof(WireEnumConverter<TrainerKind>))]
public enum TrainerKind
{
    /// <summary>Real child training with TorchSharp (NASNet search space only).</summary>
    [JsonStringEnumMemberName("torch")]
    Torch,

    /// <summary>A dry run: no tensors, a deterministic pseudo-reward, the same leases, checkpoints and results.</summary>
    [JsonStringEnumMemberName("simulated")]
    Simulated,

    /// <summary>Looks the reward up in a benchmark table (NAS-Bench-201 search space only; <c>trainer.table</c>).</summary>
    [JsonStringEnumMemberName("tabular")]
    Tabular,
}

/// <summary>The trainer a campaign uses and its settings.</summary>
public sealed record TrainerSettings
{
    /// <summary>The NAS-Bench-201 column the tabular trainer rewards by default (the benchmark paper's search reward).</summary>
    public const string DefaultRewardColumn = "cifar10_valid_12";

    /// <summary>torch | simulated | tabular.</summary>
    public TrainerKind Kind { get; init; } = TrainerKind.Torch;

    /// <summary>Simulated trainer only: wall-clock seconds per epoch (0 allowed).</summary>
    public double SecondsPerEpoch { get; init; }

    /// <summary>Simulated trainer only: standard deviation of the seeded reward noise.</summary>
    public double Noise { get; init; } = 0.01;

    /// <summary>Tabular trainer only (and required there): the benchmark table, a CSV file with an <c>arch</c> column.</summary>
    public string? Table { get; init; }

    /// <summary>Tabular trainer: the table column read as the reward (accuracy in percent or as a fraction).</summary>
    public string RewardColumn { get; init; } = DefaultRewardColumn;

    /// <summary>Checks the fields of this section (one line naming trainer.field).</summary>
    public TrainerSettings Validate()
    {
        if (!Enum.IsDefined(Kind))
        {
            throw new UserErrorException(WireEnum.NotOneOf<TrainerKind>(Kind.ToString(), "trainer.kind"));
        }

        ConfigCheck.Range("trainer.secondsPerEpoch", SecondsPerEpoch, 0, 86_400);
        ConfigCheck.Range("trainer.noise", Noise, 0, 1);
        if (string.IsNullOrWhiteSpace(RewardColumn))
        {
            throw new UserErrorException($"trainer.rewardColumn: must name a column of the table (default {DefaultRewardColumn})");
        }

        if (Kind == TrainerKind.Tabular && string.IsNullOrWhiteSpace(Table))
        {
            throw new UserErrorException("trainer.table: the tabular trainer needs a table: set trainer.table to the CSV file (e.g. nb201.csv)");
        }

        if (Kind != TrainerKind.Tabular && Table is not null)
        {
            throw new UserErrorException($"trainer.table: only the tabular trainer reads a table (trainer.kind is {WireEnum.Name(Kind)}): remove it or set trainer.kind tabular");
        }

        return this;
    }
}

/// <summary>How much a campaign trains.</summary>
public sealed record BudgetSettings
{
    /// <summary>Candidates to evaluate (cache hits count: each is a sampled architecture with a reward).</summary>
    public int Candidates { get; init; } = 200;

    /// <summary>Most candidates training at once for this campaign (0 = as many as there are free slots).</summary>
    public int MaxConcurrent { get; init; }

    /// <summary>Optional budget in epochs trained over all candidates and rungs (0 = none): no proposal or promotion past it.</summary>
    public long MaxEpochs { get; init; }

    /// <summary>Checks the fields of this section.</summary>
    public BudgetSettings Validate()
    {
        ConfigCheck.Range("budget.candidates", Candidates, 1, 10_000_000);
        ConfigCheck.Range("budget.maxConcurrent", MaxConcurrent, 0, 1_000_000);
        ConfigCheck.Range("budget.maxEpochs", MaxEpochs, 0, long.MaxValue);
        return this;
    }
}

/// <summary>How candidates are scheduled over epochs (a config's <c>schedule.kind</c>).</summary>
[JsonConverter(typeof(WireEnumConverter<ScheduleKind>))]
public enum ScheduleKind
{
    /// <summary>Every candidate trains <c>child.epochs</c> once.</summary>
    [JsonStringEnumMemberName("none")]
    None,

    /// <summary>Asynchronous successive halving: rungs at minEpochs x eta^k up to maxEpochs, promotions continue from checkpoints.</summary>
    [JsonStringEnumMemberName("asha")]
    Asha,
}

/// <summary>
/// The <c>schedule</c> section: <c>{"kind": "asha", "minEpochs": 1, "maxEpochs": 9, "eta": 3}</c> gives rungs at 1, 3
/// and 9 epochs; <c>"kind": "none"</c> (the default) trains every candidate <c>child.epochs</c>.
/// </summary>
public sealed record ScheduleSettings
{
    public ScheduleKind Kind { get; init; } = ScheduleKind.None;

    /// <summary>Epochs of the first rung (ASHA only).</summary>
    public int MinEpochs { get; init; } = 1;

    /// <summary>Epochs of the last rung, the most any candidate trains (ASHA only).</summary>
    public int MaxEpochs { get; init; } = 9;

    /// <summary>Reduction factor: the top 1/eta of a rung is promoted (ASHA only).</summary>
    public int Eta { get; init; } = 3;

    /// <summary>The rungs this section gives, with <paramref name="childEpochs"/> as the single rung of "none".</summary>
    public RungSchedule Rungs(int childEpochs) => Kind == ScheduleKind.Asha ? RungSchedule.Asha(MinEpochs, MaxEpochs, Eta) : RungSchedule.Single(childEpochs);

    /// <summary>Checks the fields of this section.</summary>
    public ScheduleSettings Validate()
    {
        if (!Enum.IsDefined(Kind))
        {
            throw new UserErrorException(WireEnum.NotOneOf<ScheduleKind>(Kind.ToString(), "schedule.kind"));
        }

        ConfigCheck.Range("schedule.minEpochs", MinEpochs, 1, 10_000);
        ConfigCheck.Range("schedule.maxEpochs", MaxEpochs, 1, 10_000);
        ConfigCheck.Range("schedule.eta", Eta, 2, 100);
        if (Kind == ScheduleKind.Asha && MaxEpochs < MinEpochs)
        {
            throw new UserErrorException($"schedule.maxEpochs: {MaxEpochs} is below schedule.minEpochs {MinEpochs}: ASHA's last rung must be at or above its first");
        }

        return this;
    }
}

/// <summary>
/// Cost constraints and cost-aware reward shaping, as the config states them; <see cref="Rules"/> is what the ledger
/// applies. Hard limits: <see cref="MaxParams"/> and <see cref="MaxMultAdds"/> are known from the genotype and reject a
/// candidate before any training; <see cref="MaxLatencyMs"/> is measured by the trainer and scores 0 after. Shaping
/// (MnasNet, Tan et al. 2019) when <see cref="Target"/> &gt; 0: reward = accuracy × (cost / target)^w
/// (<see cref="Objective"/>).
/// </summary>
public sealed record CostSettings
{
    /// <summary>Largest parameter count allowed (0 = none); checked before training.</summary>
    public long MaxParams { get; init; }

    /// <summary>Largest mult-adds per image allowed (0 = none); checked before training.</summary>
    public long MaxMultAdds { get; init; }

    /// <summary>Largest measured latency in milliseconds (batch 1) allowed (0 = none); checked after measuring.</summary>
    public double MaxLatencyMs { get; init; }

    /// <summary>The cost the shaping weighs: multadds | latency.</summary>
    public CostMetric Metric { get; init; } = CostMetric.MultAdds;

    /// <summary>The shaping's target cost T (mult-adds, or milliseconds); 0 = no shaping (reward = accuracy).</summary>
    public double Target { get; init; }

    /// <summary>Exponent when cost ≤ target (MnasNet: −0.07; 0 = no bonus for being cheaper).</summary>
    public double ExponentBelow { get; init; } = -0.07;

    /// <summary>Exponent when cost &gt; target (MnasNet: −0.07; −1 = a steep penalty).</summary>
    public double ExponentAbove { get; init; } = -0.07;

    /// <summary>True when the shaping or a limit needs the trainer's latency measurement.</summary>
    [JsonIgnore]
    public bool NeedsLatency => MaxLatencyMs > 0 || (Target > 0 && Metric == CostMetric.Latency);

    /// <summary>Checks the fields of this section.</summary>
    public CostSettings Validate()
    {
        ConfigCheck.Range("cost.maxParams", MaxParams, 0, long.MaxValue);
        ConfigCheck.Range("cost.maxMultAdds", MaxMultAdds, 0, long.MaxValue);
        ConfigCheck.Range("cost.maxLatencyMs", MaxLatencyMs, 0, 1e9);
        if (!Enum.IsDefined(Metric))
        {
            throw new UserErrorException(WireEnum.NotOneOf<CostMetric>(Metric.ToString(), "cost.metric"));
        }

        ConfigCheck.Range("cost.target", Target, 0, 1e18);
        ConfigCheck.Range("cost.exponentBelow", ExponentBelow, -10, 0);
        ConfigCheck.Range("cost.exponentAbove", ExponentAbove, -10, 0);
        return this;
    }

    /// <summary>
    /// The MnasNet objective these settings give, or null when <see cref="Target"/> is 0 (no shaping). Its hard limit is
    /// this section's limit of the same metric (<see cref="MaxMultAdds"/> or <see cref="MaxLatencyMs"/>).
    /// </summary>
    public CostObjective? Objective() => Target > 0
        ? new CostObjective
        {
            Metric = Metric,
            Target = Target,
            ExponentBelow = ExponentBelow,
            ExponentAbove = ExponentAbove,
            HardLimit = Metric == CostMetric.Latency
                ? (MaxLatencyMs > 0 ? MaxLatencyMs : null)
                : (MaxMultAdds > 0 ? MaxMultAdds : null),
        }.Validate()
        : null;

    /// <summary>The rules the ledger applies: these limits and <see cref="Objective"/> (reject before training, score after).</summary>
    public CostRules Rules() => new(MaxParams, MaxMultAdds, MaxLatencyMs, Objective());
}

/// <summary>Lease timing: how long a trainer holds a candidate without renewing, and how often it may fail.</summary>
public sealed record LeaseSettings
{
    /// <summary>A lease not renewed within this many seconds is re-queued (attempt + 1).</summary>
    public double Seconds { get; init; } = 30;

    /// <summary>Attempts per candidate before it is failed with the last reason.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Checks the fields of this section.</summary>
    public LeaseSettings Validate()
    {
        ConfigCheck.Range("lease.seconds", Seconds, 0.5, 86_400);
        ConfigCheck.Range("lease.maxAttempts", MaxAttempts, 1, 1000);
        return this;
    }
}
