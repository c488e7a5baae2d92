namespace NasNet.Core.Controller;

/// <summary>
/// Settings of a search strategy, with the paper's values as defaults (../shared/spec/nasnet.md §3).
/// </summary>
public sealed record StrategyOptions
{
    /// <summary>ppo (default) | random | evolution.</summary>
    public string Kind { get; init; } = "ppo";

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

    /// <summary>Rewarded architectures per policy update (paper: 20).</summary>
    public int BatchSize { get; init; } = 20;

    /// <summary>Rewards from policies more than this many versions old are dropped from updates.</summary>
    public int MaxStaleness { get; init; } = 5;

    // --- regularized evolution ---

    /// <summary>Population size (AmoebaNet-style aging evolution).</summary>
    public int Population { get; init; } = 50;

    /// <summary>Tournament sample size.</summary>
    public int Tournament { get; init; } = 10;
}
