using NasNet.Core.SearchSpace;
using TorchSharp;
using static TorchSharp.torch;

namespace NasNet.Core.Controller;

/// <summary>Figures of the last PPO update (for logs and tests).</summary>
/// <param name="Version">Policy version the update produced.</param>
/// <param name="Samples">Rewarded samples in the batch.</param>
/// <param name="MeanReward">Mean raw reward of the batch.</param>
/// <param name="MeanAge">Mean staleness (policy versions) of the batch.</param>
/// <param name="FirstLoss">Loss of the first epoch.</param>
/// <param name="ClippedFraction">Share of samples whose ratio left [1-clip, 1+clip] in the last epoch.</param>
/// <param name="Entropy">Mean entropy (nats per architecture) of the policy before the update, along the batch's decisions.</param>
public sealed record PpoUpdateStats(int Version, int Samples, double MeanReward, double MeanAge, double FirstLoss, double ClippedFraction, double Entropy = double.NaN);

/// <summary>
/// The paper's search strategy: the LSTM controller (<see cref="ControllerPolicy"/>) trained with PPO (Adam, EMA
/// reward baseline, clipped objective, a few epochs per batch of rewarded architectures). Rewards arrive
/// asynchronously and out of order: each sample keeps the log-probability under the policy version that produced it,
/// and PPO's importance ratio is taken against that. Stale rule (README.md, "Stale rewards"): a reward whose sample
/// is more than <see cref="StrategyOptions.MaxStaleness"/> versions old only moves the baseline; a younger one of age
/// k enters the loss with weight <see cref="StrategyOptions.StalenessDecay"/>^k. A reward is applied at most once.
/// </summary>
public sealed class PpoSearch : ISearchStrategy
{
    private readonly StrategyOptions _options;
    private readonly ISearchSpace _space;
    private readonly ControllerPolicy _policy;
    private readonly ScalarSafe.Adam _adam;
    private readonly SortedDictionary<long, Sampled> _pending = [];
    private readonly Queue<Sampled> _ahead = new();
    private readonly List<Rewarded> _batch = [];
    private readonly List<PpoUpdateStats> _updates = [];
    private Rng _rng;
    private long _nextId;
    private double? _baseline;

    /// <param name="options">Settings (validated).</param>
    /// <param name="space">The decision sequence.</param>
    /// <param name="seed">Seeds the weight initialisation and the sampling generator.</param>
    public PpoSearch(StrategyOptions options, ISearchSpace space, long seed)
    {
        _options = options.Validate();
        _space = space;
        _rng = new Rng(seed ^ 0x5EED_C0DE);
        _policy = new ControllerPolicy(space, options.Hidden, seed, options.InitRange);
        _adam = new ScalarSafe.Adam(_policy.parameters(), options.LearningRate);
    }

    public string Kind => "ppo";

    public int PolicyVersion { get; private set; }

    public int RewardsApplied { get; private set; }

    public int Pending => _pending.Count;

    /// <summary>Rewards that only moved the baseline because their sample was too stale.</summary>
    public int StaleDropped { get; private set; }

    /// <summary>Rewarded samples waiting for the next update.</summary>
    public int Buffered => _batch.Count;

    /// <summary>The exponential moving average of rewards (null before the first reward).</summary>
    public double? Baseline => _baseline;

    /// <summary>Figures of the last update (null before the first).</summary>
    public PpoUpdateStats? LastUpdate { get; private set; }

    /// <summary>
    /// Figures of every update since this instance was created or restored (in memory only, not in <see cref="Save"/>:
    /// one small record per batch, so bounded by the campaign's budget over the batch size).
    /// </summary>
    public IReadOnlyList<PpoUpdateStats> Updates => _updates;

    /// <summary>The controller (read-only use: e.g. to sample with statistics or to read weights).</summary>
    public ControllerPolicy Policy => _policy;

    public Proposal Propose()
    {
        if (_ahead.Count == 0)
        {
            var s = _policy.Sample(_options.ProposeAhead, _rng);
            for (var i = 0; i < s.Decisions.Length; i++)
            {
                _ahead.Enqueue(new Sampled(s.Decisions[i], s.LogProbs[i], PolicyVersion) { Architecture = s.Architectures[i] });
            }
        }

        var sample = _ahead.Dequeue();
        var id = _nextId++;
        _pending[id] = sample;
        return new Proposal(id, sample.Architecture ?? _space.Decode(sample.Decisions), sample.Version);
    }

    public bool Observe(long sampleId, double reward)
    {
        if (!double.IsFinite(reward))
        {
            throw new ArgumentException($"reward must be a finite number (got {reward})", nameof(reward));
        }

        if (!_pending.Remove(sampleId, out var sample))
        {
            return false;
        }

        RewardsApplied++;
        var baseline = _baseline ?? reward;
        var advantage = reward - baseline;
        _baseline = _options.BaselineDecay * baseline + (1 - _options.BaselineDecay) * reward;

        var age = PolicyVersion - sample.Version;
        if (age > _options.MaxStaleness)
        {
            StaleDropped++;
            return true;
        }

        _batch.Add(new Rewarded(sample, reward, advantage, Math.Pow(_options.StalenessDecay, age)));
        if (_batch.Count >= _options.BatchSize)
        {
            Update();
        }

        return true;
    }

    public bool Discard(long sampleId) => _pending.Remove(sampleId);

    private void Update()
    {
        var m = _batch.Count;
        var rows = _batch.Select(b => b.Sample.Decisions).ToArray();
        double firstLoss = 0, clipped = 0, entropy = double.NaN;

        // Every Scalar is a named local disposed after its native call, never an implicit temporary (a double argument,
        // or the hidden alpha of add(Scalar) and Tensor + Tensor): TorchSharp passes a temporary's handle to native code
        // without keeping the object alive, so a GC can finalize it (freeing the native scalar) mid-call. Seen as
        // "Expected false to be true ... toFloat" (README.md, "Native scalars and threads").
        using var epsilon = 1e-8.ToScalar();
        using var low = (1 - _options.Clip).ToScalar();
        using var high = (1 + _options.Clip).ToScalar();
        using var one = 1.ToScalar();
        using var clip = _options.Clip.ToScalar();
        using var count = m.ToScalar();
        using var entropyWeight = _options.EntropyWeight.ToScalar();
        using (var scope = NewDisposeScope())
        {
            var old = tensor(_batch.Select(b => (float)b.Sample.LogProb).ToArray());
            var adv = tensor(_batch.Select(b => (float)b.Advantage).ToArray());
            if (_options.NormalizeAdvantages && m > 1)
            {
                adv = (adv - adv.mean()) / adv.std().add(epsilon, one);
            }

            var weight = tensor(_batch.Select(b => (float)b.Weight).ToArray());
            for (var epoch = 0; epoch < _options.PpoEpochs; epoch++)
            {
                using var step = NewDisposeScope();
                _adam.zero_grad();
                var (logp, ent) = _policy.Evaluate(rows);
                var ratio = (logp - old).exp();
                var surrogate = minimum(ratio * adv, ratio.clamp(low, high) * adv);
                var loss = -(surrogate * weight).sum().div(count) - ent.mean().mul(entropyWeight);
                loss.backward();
                _adam.step();
                if (epoch == 0)
                {
                    firstLoss = loss.item<float>();
                    entropy = ent.mean().item<float>();
                }

                clipped = ratio.sub(one).abs().gt(clip).to_type(ScalarType.Float32).mean().item<float>();
            }
        }

        PolicyVersion++;
        LastUpdate = new PpoUpdateStats(
            PolicyVersion,
            m,
            _batch.Average(b => b.Reward),
            _batch.Average(b => PolicyVersion - 1 - b.Sample.Version),
            firstLoss,
            clipped,
            entropy);
        _updates.Add(LastUpdate);
        _batch.Clear();
        _ahead.Clear(); // proposals after an update come from the new policy
    }

    public byte[] Save()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            StrategyState.WriteHeader(w, Kind, _space);
            w.Write(_options.Hidden);
            w.Write(_nextId);
            w.Write(PolicyVersion);
            w.Write(RewardsApplied);
            w.Write(StaleDropped);
            w.Write(_baseline.HasValue);
            w.Write(_baseline ?? 0);
            _rng.Write(w);
            w.Write(_pending.Count);
            foreach (var (id, s) in _pending)
            {
                w.Write(id);
                WriteSampled(w, s);
            }

            w.Write(_ahead.Count);
            foreach (var s in _ahead)
            {
                WriteSampled(w, s);
            }

            w.Write(_batch.Count);
            foreach (var b in _batch)
            {
                WriteSampled(w, b.Sample);
                w.Write(b.Reward);
                w.Write(b.Advantage);
                w.Write(b.Weight);
            }

            w.Write(LastUpdate is not null);
            if (LastUpdate is { } u)
            {
                w.Write(u.Version);
                w.Write(u.Samples);
                w.Write(u.MeanReward);
                w.Write(u.MeanAge);
                w.Write(u.FirstLoss);
                w.Write(u.ClippedFraction);
            }

            using (var weights = new MemoryStream())
            {
                _policy.save(weights); // closes the stream; ToArray still works
                StrategyState.WriteBlob(w, weights.ToArray());
            }

            using (var adam = new MemoryStream())
            {
                using (var aw = new BinaryWriter(adam, System.Text.Encoding.UTF8, leaveOpen: true))
                {
                    _adam.save_state_dict(aw);
                }

                StrategyState.WriteBlob(w, adam.ToArray());
            }
        }

        return ms.ToArray();
    }

    /// <summary>Restores a state written by <see cref="Save"/>; the next proposals and updates match an uninterrupted run.</summary>
    public static PpoSearch Load(StrategyOptions options, ISearchSpace space, byte[] state)
    {
        using var r = new BinaryReader(new MemoryStream(state));
        StrategyState.ReadHeader(r, "ppo", space);
        var hidden = r.ReadInt32();
        if (hidden != options.Hidden)
        {
            throw new UserErrorException($"the saved ppo controller has {hidden} hidden units but strategy.hidden is {options.Hidden}: set strategy.hidden to {hidden} to resume");
        }

        var s = new PpoSearch(options, space, 0);
        try
        {
            s._nextId = r.ReadInt64();
            s.PolicyVersion = r.ReadInt32();
            s.RewardsApplied = r.ReadInt32();
            s.StaleDropped = r.ReadInt32();
            var hasBaseline = r.ReadBoolean();
            var baseline = r.ReadDouble();
            s._baseline = hasBaseline ? baseline : null;
            s._rng = Rng.Read(r);
            var n = r.ReadInt32();
            for (var i = 0; i < n; i++)
            {
                var id = r.ReadInt64();
                s._pending[id] = ReadSampled(r, space);
            }

            n = r.ReadInt32();
            for (var i = 0; i < n; i++)
            {
                s._ahead.Enqueue(ReadSampled(r, space));
            }

            n = r.ReadInt32();
            for (var i = 0; i < n; i++)
            {
                s._batch.Add(new Rewarded(ReadSampled(r, space), r.ReadDouble(), r.ReadDouble(), r.ReadDouble()));
            }

            if (r.ReadBoolean())
            {
                s.LastUpdate = new PpoUpdateStats(r.ReadInt32(), r.ReadInt32(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble());
            }

            s._policy.load(new MemoryStream(StrategyState.ReadBlob(r)));
            using var adam = new BinaryReader(new MemoryStream(StrategyState.ReadBlob(r)));
            s._adam.load_state_dict(adam);
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _policy.Dispose();
        if (_adam is IDisposable d)
        {
            d.Dispose();
        }
    }

    private static void WriteSampled(BinaryWriter w, Sampled s)
    {
        StrategyState.WriteInts(w, s.Decisions);
        w.Write(s.LogProb);
        w.Write(s.Version);
    }

    private static Sampled ReadSampled(BinaryReader r, ISearchSpace space) =>
        new(StrategyState.CheckDecisions(StrategyState.ReadInts(r), space), r.ReadDouble(), r.ReadInt32());

    /// <summary>A sampled architecture: its decisions, log-probability and the policy version that sampled it.</summary>
    private sealed record Sampled(int[] Decisions, double LogProb, int Version)
    {
        /// <summary>The decoded architecture, when known (not saved: decoded again after a restore).</summary>
        public IArchitecture? Architecture { get; init; }
    }

    /// <summary>A rewarded sample waiting for the next update.</summary>
    private sealed record Rewarded(Sampled Sample, double Reward, double Advantage, double Weight);
}
