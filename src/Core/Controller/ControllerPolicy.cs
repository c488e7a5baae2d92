using NasNet.Core.SearchSpace;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NasNet.Core.Controller;

/// <summary>Architectures sampled by <see cref="ControllerPolicy"/>: decisions, summed log-probability and entropy.</summary>
/// <param name="Decisions">One row of <see cref="CellSearchSpace.DecisionCount"/> decisions per architecture.</param>
/// <param name="LogProbs">Summed log-probability of each row under the policy that sampled it.</param>
/// <param name="Entropies">Summed entropy of the softmaxes along each row.</param>
public sealed record PolicySamples(int[][] Decisions, double[] LogProbs, double[] Entropies);

/// <summary>
/// The paper's controller (../shared/spec/nasnet.md §3): a one-layer LSTM that autoregressively emits the 2 × 5B
/// decisions of <see cref="CellSearchSpace"/>, each from its own softmax over the choices valid at that step (block b
/// chooses among 2 + b inputs); every decision is fed back as the next step's input embedding. All weights start
/// uniform in ±<c>initRange</c>, drawn from a seeded <see cref="Rng"/> so a seed gives the same controller anywhere.
/// Choices are drawn with the caller's <see cref="Rng"/> (not torch's global generator) so sampling is reproducible
/// and saveable.
/// </summary>
public sealed class ControllerPolicy : nn.Module
{
    // Field names are checkpoint keys (lower-case by design).
    private readonly LSTMCell lstm;
    private readonly Embedding embed;
    private readonly Linear inputs;
    private readonly Linear ops;
    private readonly Linear combines;

    private readonly CellSearchSpace _space;
    private readonly int _hidden;
    private readonly int _inputOffset;
    private readonly int _opOffset;
    private readonly int _combineOffset;

    /// <param name="space">The decision sequence to emit.</param>
    /// <param name="hidden">LSTM hidden units (paper: 100).</param>
    /// <param name="seed">Seed of the uniform weight initialisation.</param>
    /// <param name="initRange">Half-width of the uniform initialisation (paper: 0.1).</param>
    public ControllerPolicy(CellSearchSpace space, int hidden = 100, long seed = 0, double initRange = 0.1)
        : base(nameof(ControllerPolicy))
    {
        if (hidden < 1)
        {
            throw new ArgumentException($"hidden must be positive (got {hidden})");
        }

        _space = space;
        _hidden = hidden;
        var maxInputs = space.Blocks + 1; // block B-1 chooses among 2 + (B-1) states

        // Token 0 is the start token; then one embedding per (kind, choice).
        _inputOffset = 1;
        _opOffset = _inputOffset + maxInputs;
        _combineOffset = _opOffset + space.Ops.Count;
        var tokens = _combineOffset + space.Combines.Count;

        lstm = nn.LSTMCell(hidden, hidden);
        embed = nn.Embedding(tokens, hidden);
        inputs = nn.Linear(hidden, maxInputs);
        ops = nn.Linear(hidden, space.Ops.Count);
        combines = nn.Linear(hidden, space.Combines.Count);
        RegisterComponents();
        InitUniform(seed, initRange);
    }

    /// <summary>The decision sequence this policy emits.</summary>
    public CellSearchSpace Space => _space;

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

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var decisions = new int[count][];
        for (var i = 0; i < count; i++)
        {
            decisions[i] = new int[_space.DecisionCount];
        }

        var (logp, ent) = Run(count, decisions, rng);
        return new PolicySamples(decisions, ToDoubles(logp), ToDoubles(ent));
    }

    /// <summary>
    /// Teacher-forced re-evaluation of given decision rows (with gradient): the summed log-probability and entropy of
    /// each row, shape [rows]. The caller owns the dispose scope; the tensors belong to it.
    /// </summary>
    public (Tensor LogProb, Tensor Entropy) Evaluate(IReadOnlyList<int[]> decisions)
    {
        if (decisions.Count == 0)
        {
            throw new ArgumentException("no decisions to evaluate");
        }

        foreach (var row in decisions)
        {
            if (row.Length != _space.DecisionCount)
            {
                throw new ArgumentException($"expected {_space.DecisionCount} decisions per row, got {row.Length}");
            }
        }

        return Run(decisions.Count, decisions, null);
    }

    /// <summary>Decisions are drawn (rng set) and written into <paramref name="rows"/>, or read from them (rng null).</summary>
    private (Tensor LogProb, Tensor Entropy) Run(int m, IReadOnlyList<int[]> rows, Rng? rng)
    {
        var h = zeros(m, _hidden);
        var c = zeros(m, _hidden);
        var x = embed.call(zeros(new long[] { m }, dtype: ScalarType.Int64));
        var logp = zeros(m);
        var ent = zeros(m);
        var chosen = new long[m];
        for (var p = 0; p < _space.DecisionCount; p++)
        {
            (h, c) = lstm.call(x, (h, c));
            var n = _space.ChoiceCount(p);
            var (logits, offset) = _space.KindOf(p) switch
            {
                DecisionKind.InputA or DecisionKind.InputB => (inputs.call(h)[.., ..n], _inputOffset),
                DecisionKind.OpA or DecisionKind.OpB => (ops.call(h), _opOffset),
                _ => (combines.call(h), _combineOffset),
            };
            var lp = nn.functional.log_softmax(logits, 1);
            var prob = lp.exp();
            if (rng is not null)
            {
                var flat = prob.data<float>().ToArray();
                var weights = new double[n];
                for (var i = 0; i < m; i++)
                {
                    for (var k = 0; k < n; k++)
                    {
                        weights[k] = flat[i * n + k];
                    }

                    rows[i][p] = rng.NextCategorical(weights);
                }
            }

            for (var i = 0; i < m; i++)
            {
                chosen[i] = rows[i][p];
                if (chosen[i] < 0 || chosen[i] >= n)
                {
                    throw new ArgumentException($"decision {p} ({_space.KindOf(p)}) is {chosen[i]}; allowed 0..{n - 1}");
                }
            }

            var a = tensor(chosen, new long[] { m }, ScalarType.Int64);
            logp = logp + lp.gather(1, a.unsqueeze(1)).squeeze(1);
            ent = ent - (prob * lp).sum(1);
            x = embed.call(a + offset);
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

    private static double[] ToDoubles(Tensor t) => t.data<float>().ToArray().Select(v => (double)v).ToArray();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lstm.Dispose();
            embed.Dispose();
            inputs.Dispose();
            ops.Dispose();
            combines.Dispose();
        }

        base.Dispose(disposing);
    }
}
