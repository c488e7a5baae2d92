using System.Text.Json.Serialization;

namespace NasNet.Core.Controller;

/// <summary>The search strategies (a config's <c>strategy.kind</c>).</summary>
[JsonConverter(typeof(WireEnumConverter<StrategyKind>))]
public enum StrategyKind
{
    /// <summary>The paper's LSTM controller trained with PPO.</summary>
    [JsonStringEnumMemberName("ppo")]
    Ppo,

    /// <summary>Uniform random sampling (the baseline).</summary>
    [JsonStringEnumMemberName("random")]
    Random,

    /// <summary>Regularized (aging) evolution, AmoebaNet-style.</summary>
    [JsonStringEnumMemberName("evolution")]
    Evolution,
}

/// <summary>
/// Settings of a search strategy, with the paper's values as defaults (../shared/spec/nasnet.md §3).
/// </summary>
public sealed record StrategyOptions
{
    /// <summary>ppo (default) | random | evolution.</summary>
    public StrategyKind Kind { get; init; } = StrategyKind.Ppo;

    // --- PPO controller ---

    /// <summary>LSTM hidden units (paper: 100).</summary>
    public int Hidden { get; init; } = 100;

    /// <summary>Adam learning rate (paper: 0.00035).</summary>
    public double LearningRate { get; init; } = 0.00035;

    /// <summary>Entropy bonus weight (paper: 0.00001).</summary>
    public double EntropyWeight { get; init; } = 0.00001;

    /// <summary>Decay of the exponential moving average reward baseline (paper: 0.95).</summary>
    public double BaselineDecay { get; init; } = 0.95;

    /// <summary>PPO clip epsilon (not given by the paper; 0.2 is PPO's default).</summary>
    public double Clip { get; init; } = 0.2;

    /// <summary>PPO epochs over each batch.</summary>
    public int PpoEpochs { get; init; } = 4;

    /// <summary>
    /// Standardise the advantages within each batch (zero mean, unit variance) before the PPO loss. Not in the paper
    /// (off by default); common PPO practice that speeds up learning when the baseline lags a rising reward.
    /// </summary>
    public bool NormalizeAdvantages { get; init; }

    /// <summary>Rewarded architectures per policy update (paper: 20).</summary>
    public int BatchSize { get; init; } = 20;

    /// <summary>
    /// Rewards of samples from policies more than this many versions older than the current one are dropped from
    /// updates (they still move the baseline). See README.md, "Stale rewards".
    /// </summary>
    public int MaxStaleness { get; init; } = 5;

    /// <summary>A kept sample that is k versions old enters the PPO loss with weight StalenessDecay^k (1 = no decay).</summary>
    public double StalenessDecay { get; init; } = 0.9;

    /// <summary>
    /// Architectures sampled per controller forward pass: proposals are served from a batch sampled under the current
    /// policy, and what is left of it is discarded at each update (fresh proposals after every update).
    /// </summary>
    public int ProposeAhead { get; init; } = 20;

    /// <summary>Half-width of the uniform weight initialisation (paper: 0.1).</summary>
    public double InitRange { get; init; } = 0.1;

    // --- regularized evolution ---

    /// <summary>Population size (AmoebaNet-style aging evolution).</summary>
    public int Population { get; init; } = 50;

    /// <summary>Tournament sample size.</summary>
    public int Tournament { get; init; } = 10;

    /// <summary>Throws a one-line <see cref="UserErrorException"/> naming the first invalid field and its allowed range.</summary>
    public StrategyOptions Validate()
    {
        if (!Enum.IsDefined(Kind))
        {
            throw new UserErrorException(WireEnum.NotOneOf<StrategyKind>(Kind.ToString(), "strategy.kind"));
        }

        ConfigCheck.Range("strategy.hidden", Hidden, 1, 4096);
        ConfigCheck.That("strategy.learningRate", LearningRate, LearningRate is > 0 and <= 10, "(0, 10]");
        ConfigCheck.Range("strategy.entropyWeight", EntropyWeight, 0, 10);
        ConfigCheck.That("strategy.baselineDecay", BaselineDecay, BaselineDecay is >= 0 and < 1, "[0, 1)");
        ConfigCheck.That("strategy.clip", Clip, Clip is > 0 and < 1, "(0, 1)");
        ConfigCheck.Range("strategy.ppoEpochs", PpoEpochs, 1, 1000);
        ConfigCheck.Range("strategy.batchSize", BatchSize, 1, 100_000);
        ConfigCheck.Range("strategy.maxStaleness", MaxStaleness, 0, 1_000_000);
        ConfigCheck.That("strategy.stalenessDecay", StalenessDecay, StalenessDecay is > 0 and <= 1, "(0, 1]");
        ConfigCheck.Range("strategy.proposeAhead", ProposeAhead, 1, 100_000);
        ConfigCheck.That("strategy.initRange", InitRange, InitRange is > 0 and <= 10, "(0, 10]");
        ConfigCheck.Range("strategy.population", Population, 2, 1_000_000);
        ConfigCheck.Range("strategy.tournament", Tournament, 1, Population);
        return this;
    }
}
