using NasNet.Core.SearchSpace;

namespace NasNet.Core.Controller;

/// <summary>
/// A proposed architecture: its sample id (unique per strategy), the architecture (of the strategy's search space) and
/// the policy version that made it. A lease carries <see cref="IArchitecture.Text"/>, the cache keys on
/// <see cref="IArchitecture.Hash"/>; <see cref="SearchSpaces.Parse"/> turns the text back into the architecture.
/// </summary>
public sealed record Proposal(long SampleId, IArchitecture Architecture, int PolicyVersion)
{
    /// <summary>The NASNet genotype (NASNet space only; other spaces throw: use <see cref="Architecture"/>).</summary>
    public Genotype Genotype => Architecture as Genotype
        ?? throw new InvalidOperationException($"proposal {SampleId} is a {Architecture.SpaceName} architecture, not a NASNet genotype: use Proposal.Architecture");

    public override string ToString() => $"Proposal {{ SampleId = {SampleId}, Architecture = {Architecture.Text}, PolicyVersion = {PolicyVersion} }}";
}

/// <summary>
/// A search strategy (ppo, random, evolution) behind one propose/observe contract. Rewards may arrive late, out of
/// order and more than once: <see cref="Observe"/> applies a sample's reward once and ignores repeats and unknown ids.
/// Not thread-safe: the owner (one controller grain) serialises calls.
/// </summary>
public interface ISearchStrategy : IDisposable
{
    /// <summary>ppo | random | evolution.</summary>
    string Kind { get; }

    /// <summary>Version of the policy (number of updates applied).</summary>
    int PolicyVersion { get; }

    /// <summary>Rewards applied so far (each sample at most once).</summary>
    int RewardsApplied { get; }

    /// <summary>Proposals made and not yet observed.</summary>
    int Pending { get; }

    /// <summary>Samples a new architecture.</summary>
    Proposal Propose();

    /// <summary>Applies a reward (e.g. validation accuracy in [0, 1]); false when already applied or unknown.</summary>
    bool Observe(long sampleId, double reward);

    /// <summary>
    /// Forgets a proposal that will never be rewarded (its candidate failed for good), so it stops counting as pending;
    /// false when unknown or already observed.
    /// </summary>
    bool Discard(long sampleId);

    /// <summary>The complete state (weights, optimizer, baseline, pending samples, RNG) as bytes.</summary>
    byte[] Save();
}
