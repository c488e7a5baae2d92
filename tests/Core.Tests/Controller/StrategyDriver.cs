using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;

namespace NasNet.Core.Tests.Controller;

/// <summary>
/// Simulates a pool of workers: keeps <c>workers</c> proposals outstanding and returns the reward of a randomly chosen
/// one at each step, so rewards arrive out of order. Copyable, to continue a run twice from the same point.
/// </summary>
internal sealed class StrategyDriver
{
    private readonly List<Proposal> _outstanding;
    private readonly int _workers;
    private Rng _rng;

    public StrategyDriver(int workers, long seed)
    {
        _workers = workers;
        _rng = new Rng(seed);
        _outstanding = [];
    }

    private StrategyDriver(StrategyDriver other)
    {
        _workers = other._workers;
        _rng = Rng.FromState(other._rng.State);
        _outstanding = [.. other._outstanding];
    }

    /// <summary>One line per proposal and per observation, to compare runs.</summary>
    public List<string> Log { get; } = [];

    public StrategyDriver Copy() => new(this);

    /// <summary>Runs until <paramref name="rewards"/> rewards were observed; returns the rewards in arrival order.</summary>
    public List<double> Run(ISearchStrategy s, ISearchSpace space, Func<IArchitecture, double> reward, int rewards)
    {
        var got = new List<double>();
        while (got.Count < rewards)
        {
            while (_outstanding.Count < _workers)
            {
                var p = s.Propose();
                _outstanding.Add(p);
                Log.Add($"propose {p.SampleId} v{p.PolicyVersion} {string.Join(",", space.Encode(p.Architecture))}");
            }

            var i = _rng.Next(_outstanding.Count);
            var q = _outstanding[i];
            _outstanding.RemoveAt(i);
            var r = reward(q.Architecture);
            Assert.True(s.Observe(q.SampleId, r));
            Log.Add($"observe {q.SampleId} {r:R} -> v{s.PolicyVersion}");
            got.Add(r);
        }

        return got;
    }
}
