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

    /// <summary>Throws a one-line <see cref="UserErrorException"/> naming the first invalid field.</summary>
    public StrategyOptions Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok)
            {
                throw new UserErrorException(message);
            }
        }

        Check(SearchStrategies.Kinds.Contains(Kind), $"strategy.kind '{Kind}' is not supported (use one of: {string.Join(", ", SearchStrategies.Kinds)})");
        Check(Hidden is >= 1 and <= 4096, $"strategy.hidden must be 1..4096 (got {Hidden})");
        Check(LearningRate > 0 && double.IsFinite(LearningRate), $"strategy.learningRate must be a positive number (got {LearningRate})");
        Check(EntropyWeight >= 0 && double.IsFinite(EntropyWeight), $"strategy.entropyWeight must be >= 0 (got {EntropyWeight})");
        Check(BaselineDecay is >= 0 and < 1, $"strategy.baselineDecay must be in [0, 1) (got {BaselineDecay})");
        Check(Clip is > 0 and < 1, $"strategy.clip must be in (0, 1) (got {Clip})");
        Check(PpoEpochs >= 1, $"strategy.ppoEpochs must be >= 1 (got {PpoEpochs})");
        Check(BatchSize >= 1, $"strategy.batchSize must be >= 1 (got {BatchSize})");
        Check(MaxStaleness >= 0, $"strategy.maxStaleness must be >= 0 (got {MaxStaleness})");
        Check(StalenessDecay is > 0 and <= 1, $"strategy.stalenessDecay must be in (0, 1] (got {StalenessDecay})");
        Check(ProposeAhead >= 1, $"strategy.proposeAhead must be >= 1 (got {ProposeAhead})");
        Check(InitRange > 0 && double.IsFinite(InitRange), $"strategy.initRange must be a positive number (got {InitRange})");
        Check(Population >= 2, $"strategy.population must be >= 2 (got {Population})");
        Check(Tournament >= 1 && Tournament <= Population, $"strategy.tournament must be 1..population ({Population}) (got {Tournament})");
        return this;
    }
}
