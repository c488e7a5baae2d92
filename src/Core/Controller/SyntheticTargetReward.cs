using NasNet.Core.SearchSpace;

namespace NasNet.Core.Controller;

/// <summary>
/// A synthetic reward with a known optimum, to check that a strategy learns without training networks: a hidden
/// target decision sequence; the reward is the fraction of decisions (of the chosen kinds) equal to the target's, plus
/// seeded Gaussian noise. Random decisions score about the mean of 1/choices; the target scores 1.
/// </summary>
public sealed class SyntheticTargetReward
{
    private readonly ISearchSpace _space;
    private readonly int[] _positions;
    private readonly double _noise;
    private Rng _rng;

    /// <param name="space">The decision sequence.</param>
    /// <param name="seed">Seeds the hidden target and the noise.</param>
    /// <param name="noise">Standard deviation of the added noise.</param>
    /// <param name="opsOnly">Score only the decisions of the space's "ops" head (true) or every decision (false).</param>
    public SyntheticTargetReward(ISearchSpace space, long seed, double noise = 0.02, bool opsOnly = false)
    {
        _space = space;
        _rng = new Rng(seed);
        Target = space.RandomDecisions(_rng);
        _noise = noise;
        _positions = Enumerable.Range(0, space.DecisionCount)
            .Where(p => !opsOnly || space.Heads[space.HeadOf(p)].Name == "ops")
            .ToArray();
        RandomMean = _positions.Average(p => 1.0 / space.ChoiceCount(p));
    }

    /// <summary>The hidden optimum.</summary>
    public int[] Target { get; }

    /// <summary>Expected noiseless reward of uniformly random decisions.</summary>
    public double RandomMean { get; }

    /// <summary>The noiseless reward: the share of scored decisions equal to the target's.</summary>
    public double Exact(IArchitecture g)
    {
        var d = _space.Encode(g);
        return _positions.Count(p => d[p] == Target[p]) / (double)_positions.Length;
    }

    /// <summary>The noisy reward (draws from this reward's own generator).</summary>
    public double Reward(IArchitecture g) => Exact(g) + _noise * _rng.NextGaussian();
}
