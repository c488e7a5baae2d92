using NasNet.Core.SearchSpace;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

#pragma warning disable IDE1006 // submodule fields are lower-case: they are checkpoint keys

namespace NasNet.Core.Networks;

/// <summary>Builds the module of one operation (spec §1.2, §2.3); every op maps its input width to F.</summary>
internal static class OpFactory
{
    public static Module<Tensor, Tensor> Create(string op, long cin, long f, long stride, NetworkConfig cfg) => op switch
    {
        Operations.Identity => stride == 1 && cin == f ? new PassThrough() : new ReluConvBn(cin, f, 1, stride, cfg),
        Operations.Conv1x3x3x1 => new FactorizedConv(cin, f, 3, stride, cfg),
        Operations.Conv1x7x7x1 => new FactorizedConv(cin, f, 7, stride, cfg),
        Operations.DilConv3x3 => new DilConv(cin, f, 3, stride, cfg),
        Operations.AvgPool3x3 => new Pool(false, cin, f, 3, stride, cfg),
        Operations.AvgPool5x5 => new Pool(false, cin, f, 5, stride, cfg),
        Operations.MaxPool3x3 => new Pool(true, cin, f, 3, stride, cfg),
        Operations.MaxPool5x5 => new Pool(true, cin, f, 5, stride, cfg),
        Operations.MaxPool7x7 => new Pool(true, cin, f, 7, stride, cfg),
        Operations.Conv1x1 => new ReluConvBn(cin, f, 1, stride, cfg),
        Operations.Conv3x3 => new ReluConvBn(cin, f, 3, stride, cfg),
        Operations.SepConv3x3 => new SepConvStack(cin, f, 3, stride, cfg),
        Operations.SepConv5x5 => new SepConvStack(cin, f, 5, stride, cfg),
        Operations.SepConv7x7 => new SepConvStack(cin, f, 7, stride, cfg),
        _ => throw new GenotypeException($"unknown operation '{op}' (allowed: {string.Join(", ", Operations.Seed14)})"),
    };
}

/// <summary>
/// One NASNet cell as TF-slim builds it (spec §1.4-1.6, §2): h[i] is squeezed (ReLU, 1x1, BN), h[i-1] is adjusted
/// (factorized reduction when its size differs, ReLU 1x1 BN when its width differs, the raw input when absent); each
/// block applies its two ops (stride 2 on h[i]/h[i-1] in a reduction cell) and adds or concatenates; the listed states
/// are concatenated, inputs first resized to the cell's output size and width F. ScheduledDropPath follows every
/// op but identity. forward(hPrevPrev, hPrev); pass hPrev twice when the cell has no h[i-1].
/// </summary>
public sealed class Cell : Module<Tensor, Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> pre0;
    private readonly ReluConvBn pre1;
    private readonly ModuleList<Module<Tensor, Tensor>> ops = new();
    private readonly ModuleList<Module<Tensor, Tensor>> outs = new();
    private readonly CellGenotype _genotype;
    private readonly bool[] _dropPath;
    private double _keepProb = 1.0;

    /// <param name="genotype">The cell's wiring.</param>
    /// <param name="reduction">True for a reduction cell (stride 2).</param>
    /// <param name="inChannels">Width of h[i].</param>
    /// <param name="prevChannels">Width of h[i-1], or null when the cell has none (first cell: the raw h[i] is used).</param>
    /// <param name="prevLarger">True when h[i-1] has twice the spatial size of h[i].</param>
    /// <param name="filters">F, the cell width.</param>
    /// <param name="config">BatchNorm settings.</param>
    public Cell(CellGenotype genotype, bool reduction, long inChannels, long? prevChannels, bool prevLarger, long filters, NetworkConfig config)
        : base(reduction ? "ReductionCell" : "NormalCell")
    {
        _genotype = genotype;
        IsReduction = reduction;
        Filters = filters;
        pre1 = new ReluConvBn(inChannels, filters, 1, 1, config);
        long c0;
        if (prevChannels is null)
        {
            pre0 = new PassThrough();
            c0 = inChannels;
        }
        else if (prevLarger)
        {
            pre0 = new ReluThen(new FactorizedReduce(prevChannels.Value, filters, 2, config));
            c0 = filters;
        }
        else if (prevChannels.Value != filters)
        {
            pre0 = new ReluConvBn(prevChannels.Value, filters, 1, 1, config);
            c0 = filters;
        }
        else
        {
            pre0 = new PassThrough();
            c0 = filters;
        }

        var width = new List<long> { c0, filters };
        _dropPath = new bool[genotype.Blocks.Count * 2];
        for (var b = 0; b < genotype.Blocks.Count; b++)
        {
            var block = genotype.Blocks[b];
            var pairs = new[] { (block.InputA, block.OpA), (block.InputB, block.OpB) };
            for (var j = 0; j < 2; j++)
            {
                var (input, op) = pairs[j];
                var stride = reduction && input < 2 ? 2 : 1;
                ops.Add(OpFactory.Create(op, width[input], filters, stride, config));
                _dropPath[2 * b + j] = op != Operations.Identity;
            }

            width.Add(block.Combine == Combine.Concat ? 2 * filters : filters);
        }

        long outChannels = 0;
        foreach (var s in genotype.Concat)
        {
            if (s < 2 && reduction)
            {
                outs.Add(new FactorizedReduce(width[s], filters, 2, config));
                outChannels += filters;
            }
            else if (s < 2 && width[s] != filters)
            {
                outs.Add(new FactorizedReduce(width[s], filters, 1, config));
                outChannels += filters;
            }
            else
            {
                outs.Add(new PassThrough());
                outChannels += width[s];
            }
        }

        OutChannels = outChannels;
        RegisterComponents();
    }

    /// <summary>True for a reduction cell.</summary>
    public bool IsReduction { get; }

    /// <summary>F, the width of every op output.</summary>
    public long Filters { get; }

    /// <summary>Channels of the cell output.</summary>
    public long OutChannels { get; }

    /// <summary>The current ScheduledDropPath keep probability of this cell (1 = off).</summary>
    public double DropPathKeepProb => _keepProb;

    /// <summary>Sets the keep probability used in training mode (eval never drops).</summary>
    public void SetDropPathKeepProb(double keep) => _keepProb = Math.Clamp(keep, 0.0, 1.0);

    public override Tensor forward(Tensor hPrevPrev, Tensor hPrev)
    {
        var states = new List<Tensor> { pre0.call(hPrevPrev), pre1.call(hPrev) };
        for (var b = 0; b < _genotype.Blocks.Count; b++)
        {
            var block = _genotype.Blocks[b];
            var left = Branch(2 * b, states[block.InputA]);
            var right = Branch(2 * b + 1, states[block.InputB]);
            states.Add(block.Combine == Combine.Add ? left.add(right) : torch.cat([left, right], 1));
        }

        var parts = new Tensor[_genotype.Concat.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = outs[i].call(states[_genotype.Concat[i]]);
        }

        return parts.Length == 1 ? parts[0].alias() : torch.cat(parts, 1);
    }

    private Tensor Branch(int index, Tensor x)
    {
        var y = ops[index].call(x);
        if (training && _dropPath[index] && _keepProb < 1.0)
        {
            y = DropPath.Apply(y, _keepProb);
        }

        return y;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            pre0.Dispose();
            pre1.Dispose();
            ops.Dispose();
            outs.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>DropPath (TF <c>drop_path</c>): one Bernoulli(keep) draw per example, output x * mask / keep.</summary>
public static class DropPath
{
    /// <summary>Drops whole examples of <paramref name="x"/> with probability 1 - keep, scaling the rest by 1 / keep.</summary>
    public static Tensor Apply(Tensor x, double keep)
    {
        if (keep >= 1.0)
        {
            return x;
        }

        using var mask = torch.empty([x.shape[0], 1, 1, 1], dtype: x.dtype, device: x.device).bernoulli_(keep);
        return x.div(keep).mul(mask);
    }

    /// <summary>
    /// TF's ScheduledDropPath v3 keep probability: 1 - t * L * (1 - K), with L = (cellIndex + 1) / totalCells and
    /// t = min(1, progress).
    /// </summary>
    public static double ScheduledKeepProb(double keepProb, int cellIndex, int totalCells, double progress)
    {
        var t = Math.Clamp(progress, 0.0, 1.0);
        var layer = (cellIndex + 1) / (double)totalCells;
        return 1.0 - t * layer * (1.0 - keepProb);
    }
}
