using NasNet.Core.SearchSpace;

namespace NasNet.Core.Controller;

/// <summary>
/// Regularized (aging) evolution as in AmoebaNet (Real et al. 2019), made asynchronous: until
/// <see cref="StrategyOptions.Population"/> architectures have been proposed, proposals are uniformly random; after
/// that each proposal samples <see cref="StrategyOptions.Tournament"/> members of the population (without
/// replacement; fewer while it is smaller), takes the one with the best reward and mutates one decision (a position with
/// more than one choice, set to a different value). Every reward adds its architecture to the population as the
/// youngest member, and the oldest member is removed once the population exceeds its size. In NAS-Bench-201 a
/// decision is an edge, so a mutation changes the operation on one edge (uniform over the edges and the other 4 ops).
/// </summary>
public sealed class RegularizedEvolution : ISearchStrategy
{
    private readonly StrategyOptions _options;
    private readonly ISearchSpace _space;
    private readonly SortedDictionary<long, int[]> _pending = [];
    private readonly LinkedList<Member> _population = new();
    private readonly int[] _mutable;
    private Rng _rng;
    private long _nextId;

    /// <param name="options">Settings (validated): population and tournament size.</param>
    /// <param name="space">The decision sequence.</param>
    /// <param name="seed">Seeds the generator.</param>
    public RegularizedEvolution(StrategyOptions options, ISearchSpace space, long seed)
    {
        _options = options.Validate();
        _space = space;
        _rng = new Rng(seed);
        _mutable = Enumerable.Range(0, space.DecisionCount).Where(p => space.ChoiceCount(p) > 1).ToArray();
    }

    public string Kind => "evolution";

    /// <summary>Number of population changes (rewards applied).</summary>
    public int PolicyVersion => RewardsApplied;

    public int RewardsApplied { get; private set; }

    public int Pending => _pending.Count;

    /// <summary>The current population, oldest first.</summary>
    public IReadOnlyList<(int[] Decisions, double Reward)> Population =>
        _population.Select(m => (m.Decisions, m.Reward)).ToArray();

    public Proposal Propose()
    {
        int[] decisions;
        if (_nextId < _options.Population || _population.Count == 0)
        {
            decisions = _space.RandomDecisions(_rng);
        }
        else
        {
            decisions = Mutate(Tournament());
        }

        var id = _nextId++;
        _pending[id] = decisions;
        return new Proposal(id, _space.Decode(decisions), PolicyVersion);
    }

    public bool Observe(long sampleId, double reward)
    {
        if (!double.IsFinite(reward))
        {
            throw new ArgumentException($"reward must be a finite number (got {reward})", nameof(reward));
        }

        if (!_pending.Remove(sampleId, out var decisions))
        {
            return false;
        }

        RewardsApplied++;
        _population.AddLast(new Member(decisions, reward));
        while (_population.Count > _options.Population)
        {
            _population.RemoveFirst(); // aging: the oldest dies, whatever its reward
        }

        return true;
    }

    public bool Discard(long sampleId) => _pending.Remove(sampleId);

    private int[] Tournament()
    {
        // Partial Fisher-Yates over member indices: a sample without replacement.
        var members = _population.ToArray();
        var k = Math.Min(_options.Tournament, members.Length);
        var order = Enumerable.Range(0, members.Length).ToArray();
        Member? best = null;
        for (var i = 0; i < k; i++)
        {
            var j = i + _rng.Next(members.Length - i);
            (order[i], order[j]) = (order[j], order[i]);
            var m = members[order[i]];
            if (best is null || m.Reward > best.Reward)
            {
                best = m;
            }
        }

        return best!.Decisions;
    }

    private int[] Mutate(int[] parent)
    {
        var child = (int[])parent.Clone();
        if (_mutable.Length == 0)
        {
            return child;
        }

        var p = _mutable[_rng.Next(_mutable.Length)];
        var n = _space.ChoiceCount(p);
        var v = _rng.Next(n - 1);
        child[p] = v >= parent[p] ? v + 1 : v; // uniform over the other n - 1 values
        return child;
    }

    public byte[] Save()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            StrategyState.WriteHeader(w, Kind, _space);
            w.Write(_nextId);
            w.Write(RewardsApplied);
            _rng.Write(w);
            w.Write(_pending.Count);
            foreach (var (id, d) in _pending)
            {
                w.Write(id);
                StrategyState.WriteInts(w, d);
            }

            w.Write(_population.Count);
            foreach (var m in _population)
            {
                StrategyState.WriteInts(w, m.Decisions);
                w.Write(m.Reward);
            }
        }

        return ms.ToArray();
    }

    /// <summary>Restores a state written by <see cref="Save"/>.</summary>
    public static RegularizedEvolution Load(StrategyOptions options, ISearchSpace space, byte[] state)
    {
        using var r = new BinaryReader(new MemoryStream(state));
        StrategyState.ReadHeader(r, "evolution", space);
        var s = new RegularizedEvolution(options, space, 0) { _nextId = r.ReadInt64(), RewardsApplied = r.ReadInt32() };
        s._rng = Rng.Read(r);
        var n = r.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            var id = r.ReadInt64();
            s._pending[id] = StrategyState.CheckDecisions(StrategyState.ReadInts(r), space);
        }

        n = r.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            s._population.AddLast(new Member(StrategyState.CheckDecisions(StrategyState.ReadInts(r), space), r.ReadDouble()));
        }

        return s;
    }

    public void Dispose()
    {
    }

    private sealed record Member(int[] Decisions, double Reward);
}
