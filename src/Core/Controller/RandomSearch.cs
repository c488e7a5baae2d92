using NasNet.Core.SearchSpace;

namespace NasNet.Core.Controller;

/// <summary>Uniformly random decisions (every architecture of the space equally likely): the paper's random-search baseline.</summary>
public sealed class RandomSearch : ISearchStrategy
{
    private readonly ISearchSpace _space;
    private readonly HashSet<long> _pending = [];
    private Rng _rng;
    private long _nextId;

    public RandomSearch(ISearchSpace space, long seed)
    {
        _space = space;
        _rng = new Rng(seed);
    }

    public string Kind => "random";

    public int PolicyVersion => 0;

    public int RewardsApplied { get; private set; }

    public int Pending => _pending.Count;

    public Proposal Propose()
    {
        var id = _nextId++;
        _pending.Add(id);
        return new Proposal(id, _space.Decode(_space.RandomDecisions(_rng)), 0);
    }

    public bool Observe(long sampleId, double reward)
    {
        if (!double.IsFinite(reward))
        {
            throw new ArgumentException($"reward must be a finite number (got {reward})", nameof(reward));
        }

        if (!_pending.Remove(sampleId))
        {
            return false;
        }

        RewardsApplied++;
        return true;
    }

    public bool Discard(long sampleId) => _pending.Remove(sampleId);

    public byte[] Save()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            StrategyState.WriteHeader(w, Kind, _space);
            w.Write(_nextId);
            w.Write(RewardsApplied);
            w.Write(_pending.Count);
            foreach (var p in _pending.Order())
            {
                w.Write(p);
            }

            _rng.Write(w);
        }

        return ms.ToArray();
    }

    /// <summary>Restores a state written by <see cref="Save"/>.</summary>
    public static RandomSearch Load(ISearchSpace space, byte[] state)
    {
        using var r = new BinaryReader(new MemoryStream(state));
        StrategyState.ReadHeader(r, "random", space);
        var s = new RandomSearch(space, 0) { _nextId = r.ReadInt64(), RewardsApplied = r.ReadInt32() };
        var n = r.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            s._pending.Add(r.ReadInt64());
        }

        s._rng = Rng.Read(r);
        return s;
    }

    public void Dispose()
    {
    }
}
