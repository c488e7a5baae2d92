using NasNet.Core.SearchSpace;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NasNet.Core.Controller;

/// <summary>
/// Architectures sampled by <see cref="ControllerPolicy"/>: architectures, decisions, summed log-probability and entropy.
/// </summary>
/// <param name="Architectures">The sampled architectures (the decisions decoded by the space; NASNet: the paper's concat rule).</param>
/// <param name="Decisions">One row of <see cref="ISearchSpace.DecisionCount"/> decisions per architecture.</param>
/// <param name="LogProbs">Summed log-probability of each row under the policy that sampled it.</param>
/// <param name="Entropies">Summed entropy of the softmaxes along each row.</param>
public sealed record PolicySamples(IArchitecture[] Architectures, int[][] Decisions, double[] LogProbs, double[] Entropies)
{
    /// <summary>The architectures as NASNet genotypes (NASNet space only).</summary>
    public Genotype[] Genotypes => Architectures.Cast<Genotype>().ToArray();
}

/// <summary>
/// The paper's controller (../shared/spec/nasnet.md §3): a one-layer LSTM that autoregressively emits the decisions of
/// an <see cref="ISearchSpace"/> (NASNet: the 2 × 5B of <see cref="CellSearchSpace"/>; NAS-Bench-201: one op per
/// edge), each from its head's softmax over the choices valid at that step (NASNet block b chooses among 2 + b
/// inputs; the rest are masked); every decision is fed back as the next step's input embedding. The space names the
/// heads; each head's output layer is registered under its name (NASNet: inputs, ops, combines, the names these
/// layers had as fields, so older checkpoints load). All weights start
/// uniform in ±<c>initRange</c>, drawn from a seeded <see cref="Rng"/> so a seed gives the same controller anywhere.
/// Choices are drawn with the caller's <see cref="Rng"/> (not torch's global generator) so sampling is reproducible
/// and saveable.
/// </summary>
public sealed class ControllerPolicy : nn.Module
{
    // Field names are checkpoint keys (lower-case by design).
#pragma warning disable IDE1006
    private readonly LSTM lstm;
    private readonly Embedding embed;
#pragma warning restore IDE1006

    private readonly Linear[] _heads;  // registered by name after lstm and embed (the parameter order of the init)
    private readonly ISearchSpace _space;
    private readonly int _hidden;
    private readonly int[] _group;     // per position: its head
    private readonly int[] _offset;    // per position: embedding token of choice 0
    private readonly long[][] _positions;
    private readonly Tensor?[] _masks; // per head: [P, n] additive mask of invalid choices, or null
    private readonly int _maxChoices;

    /// <param name="space">The decision sequence to emit.</param>
    /// <param name="hidden">LSTM hidden units (paper: 100).</param>
    /// <param name="seed">Seed of the uniform weight initialisation.</param>
    /// <param name="initRange">Half-width of the uniform initialisation (paper: 0.1).</param>
    public ControllerPolicy(ISearchSpace space, int hidden = 100, long seed = 0, double initRange = 0.1)
        : base(nameof(ControllerPolicy))
    {
        if (hidden < 1)
        {
            throw new ArgumentException($"hidden must be positive (got {hidden})");
        }

        _space = space;
        _hidden = hidden;
        var heads = space.Heads;
        int[] widths = heads.Select(h => h.Width).ToArray();

        // Token 0 is the start token; then one embedding per (head, choice).
        var offsets = new int[heads.Count];
        var tokens = 1;
        for (var g = 0; g < heads.Count; g++)
        {
            offsets[g] = tokens;
            tokens += widths[g];
        }

        var count = space.DecisionCount;
        _group = new int[count];
        _offset = new int[count];
        for (var p = 0; p < count; p++)
        {
            _group[p] = space.HeadOf(p);
            if (_group[p] < 0 || _group[p] >= heads.Count || space.ChoiceCount(p) < 1 || space.ChoiceCount(p) > widths[_group[p]])
            {
                throw new ArgumentException($"search space '{space.Name}': decision {p} has head {_group[p]} and {space.ChoiceCount(p)} choices, which its heads do not fit");
            }

            _offset[p] = offsets[_group[p]];
            _maxChoices = Math.Max(_maxChoices, space.ChoiceCount(p));
        }

        _positions = new long[heads.Count][];
        _masks = new Tensor?[heads.Count];
        for (var g = 0; g < heads.Count; g++)
        {
            _positions[g] = Enumerable.Range(0, count).Where(p => _group[p] == g).Select(p => (long)p).ToArray();
            var mask = new float[_positions[g].Length * widths[g]];
            var any = false;
            for (var j = 0; j < _positions[g].Length; j++)
            {
                for (var k = space.ChoiceCount((int)_positions[g][j]); k < widths[g]; k++)
                {
                    mask[j * widths[g] + k] = -1e9f;
                    any = true;
                }
            }

            _masks[g] = any ? tensor(mask, new long[] { _positions[g].Length, widths[g] }).DetachFromDisposeScope() : null;
        }

        lstm = nn.LSTM(hidden, hidden);
        embed = nn.Embedding(tokens, hidden);
        RegisterComponents();
        _heads = new Linear[heads.Count];
        for (var g = 0; g < heads.Count; g++)
        {
            _heads[g] = nn.Linear(hidden, widths[g]);
            register_module(heads[g].Name, _heads[g]);
        }

        InitUniform(seed, initRange);
    }

    /// <summary>The decision sequence this policy emits.</summary>
    public ISearchSpace Space => _space;

    /// <summary>
    /// Samples <paramref name="count"/> architectures in one batch (no gradient), drawing each decision from the
    /// softmax probabilities with <paramref name="rng"/>.
    /// </summary>
    public PolicySamples Sample(int count, Rng rng)
    {
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "count must be positive");
        }

        // Deliberately not under no_grad: without gradients libtorch runs the LSTM with oneDNN, whose results differ
        // from the autograd kernel that Evaluate uses by ~1e-3 per decision, which would bias PPO's importance ratios.
        // The small graph built here dies with the scope.
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var m = count;
        var decisions = new int[m][];
        for (var i = 0; i < m; i++)
        {
            decisions[i] = new int[_space.DecisionCount];
        }

        var logp = new double[m];
        var ent = new double[m];
        var h = zeros(1, m, _hidden);
        var c = zeros(1, m, _hidden);
        var x = embed.call(zeros(new long[] { 1, m }, dtype: ScalarType.Int64));
        var chosen = new long[m];
        var weights = new double[_maxChoices];
        for (var p = 0; p < _space.DecisionCount; p++)
        {
            Tensor output;
            (output, h, c) = lstm.call(x, (h, c));
            var n = _space.ChoiceCount(p);
            var logits = _heads[_group[p]].call(output[0]);
            if (n < logits.shape[1])
            {
                logits = logits[.., ..n];
            }

            // Log-probabilities to managed memory: draws, log-probability and entropy are summed in double there.
            var lp = nn.functional.log_softmax(logits, 1).contiguous().data<float>().ToArray();
            for (var i = 0; i < m; i++)
            {
                double e = 0;
                for (var k = 0; k < n; k++)
                {
                    var l = lp[i * n + k];
                    weights[k] = Math.Exp(l);
                    e -= weights[k] * l;
                }

                var a = rng.NextCategorical(weights.AsSpan(0, n));
                decisions[i][p] = a;
                logp[i] += lp[i * n + a];
                ent[i] += e;
                chosen[i] = a + _offset[p];
            }

            x = embed.call(tensor(chosen, new long[] { 1, m }, ScalarType.Int64));
        }

        return new PolicySamples(decisions.Select(_space.Decode).ToArray(), decisions, logp, ent);
    }

    /// <summary>
    /// Teacher-forced re-evaluation of given decision rows (with gradient): the summed log-probability and entropy of
    /// each row, shape [rows]. The whole sequence goes through the LSTM in one call and each head runs once over all
    /// its positions (invalid input choices masked), so an update costs a few dozen ops rather than ~10 per decision.
    /// The caller owns the dispose scope; the tensors belong to it.
    /// </summary>
    public (Tensor LogProb, Tensor Entropy) Evaluate(IReadOnlyList<int[]> decisions)
    {
        var m = decisions.Count;
        var t = _space.DecisionCount;
        if (m == 0)
        {
            throw new ArgumentException("no decisions to evaluate");
        }

        var actions = new long[t * m]; // [T, m], row-major
        var tokens = new long[t * m];  // the LSTM input at step p is the token of decision p - 1 (start token first)
        for (var i = 0; i < m; i++)
        {
            var row = decisions[i];
            if (row.Length != t)
            {
                throw new ArgumentException($"expected {t} decisions per row, got {row.Length}");
            }

            for (var p = 0; p < t; p++)
            {
                var n = _space.ChoiceCount(p);
                if (row[p] < 0 || row[p] >= n)
                {
                    throw new ArgumentException($"decision {p} ({_space.Heads[_group[p]].Name}) is {row[p]}; allowed 0..{n - 1}");
                }

                actions[p * m + i] = row[p];
                if (p + 1 < t)
                {
                    tokens[(p + 1) * m + i] = row[p] + _offset[p];
                }
            }
        }

        // Tensor + Tensor in TorchSharp passes an implicit Scalar alpha (1) by handle only, which a GC on another thread
        // can finalize mid-call (see ScalarSafe.Adam): add with a Scalar that stays alive instead.
        using var one = 1.ToScalar();
        var x = embed.call(tensor(tokens, new long[] { t, m }, ScalarType.Int64));
        var (output, _, _) = lstm.call(x, null);
        var a = tensor(actions, new long[] { t, m }, ScalarType.Int64);
        var logp = zeros(m);
        var ent = zeros(m);
        for (var g = 0; g < _heads.Length; g++)
        {
            if (_positions[g].Length == 0)
            {
                continue;
            }

            var idx = tensor(_positions[g], ScalarType.Int64);
            var logits = _heads[g].call(output.index_select(0, idx));        // [P, m, n]
            if (_masks[g] is { } mask)
            {
                logits = logits.add(mask.unsqueeze(1), one);                  // invalid inputs -> -1e9: probability 0
            }

            var lp = nn.functional.log_softmax(logits, 2);
            logp = logp.add(lp.gather(2, a.index_select(0, idx).unsqueeze(2)).squeeze(2).sum(0L), one);
            ent = ent - (lp.exp() * lp).sum(2).sum(0L);
        }

        return (logp, ent);
    }

    private void InitUniform(long seed, double range)
    {
        var rng = new Rng(seed);
        using var noGrad = no_grad();
        foreach (var (_, p) in named_parameters())
        {
            var values = new float[p.numel()];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)((rng.NextDouble() * 2 - 1) * range);
            }

            using var t = tensor(values, p.shape);
            p.copy_(t);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lstm.Dispose();
            embed.Dispose();
            foreach (var head in _heads)
            {
                head.Dispose();
            }

            foreach (var mask in _masks)
            {
                mask?.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
