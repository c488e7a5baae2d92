using NasNet.Core.SearchSpace;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

#pragma warning disable IDE1006 // submodule fields are lower-case: they are checkpoint keys

namespace NasNet.Core.Networks;

/// <summary>
/// A NASNet child network for any valid genotype, built as TF-slim's <c>_build_nasnet_base</c> (spec §1.7): a CIFAR
/// or ImageNet stem, N normal cells, a reduction cell, N normal, a reduction, N normal (F doubling at each reduction),
/// then ReLU, global average pool, dropout and a linear classifier. forward(x) returns logits [B, Classes]; in training
/// mode with an aux head, <see cref="AuxLogits"/> is set too.
/// </summary>
public sealed class ChildNetwork : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> stem;
    private readonly ModuleList<Cell> cells = new();
    private readonly AuxiliaryHead? aux;
    private readonly Dropout? dropout;
    private readonly Linear classifier;
    private readonly int[] _prevIndex;
    private readonly int _auxAfter = -1;
    private readonly int _totalCells;
    private readonly int _stemOutputs;

    /// <summary>Builds the network; throws <see cref="UserErrorException"/> for an invalid config.</summary>
    public ChildNetwork(Genotype genotype, NetworkConfig config)
        : base(nameof(ChildNetwork))
    {
        ArgumentNullException.ThrowIfNull(genotype);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Genotype = genotype;
        Config = config;
        var rate = config.FilterScalingRate;
        var nf = config.NumConvFilters;

        // Outputs in build order: index 0 is TF's None; (channels, level) where level counts halvings.
        var outputs = new List<(long C, int Level)?> { null };
        var prevIndex = new List<int>();
        var cellIndex = 0;
        if (config.Stem == StemKind.Cifar)
        {
            var c = (long)(nf * config.StemMultiplier);
            stem = new ReluConvBn(config.InChannels, c, 3, 1, config, relu: false); // CIFAR stem: 3x3 SAME, BN, no ReLU
            outputs.Add((c, 0));
            _totalCells = 3 * config.Cells + 2;
        }
        else
        {
            var c = (long)(32 * config.StemMultiplier);
            stem = new ReluConvBn(config.InChannels, c, 3, 2, config, relu: false, valid: true); // ImageNet stem: 3x3 stride 2 VALID
            outputs.Add((c, 1));
            _totalCells = 3 * config.Cells + 4;
            var scaling = 1.0 / (rate * rate);
            for (var k = 0; k < 2; k++)
            {
                AddCell(genotype.Reduction, true, (long)(nf * scaling), outputs, outputs.Count - 2, prevIndex, config);
                scaling *= rate;
                cellIndex++;
            }
        }

        _stemOutputs = outputs.Count;
        var numCells = 3 * config.Cells;
        int[] reductions = [numCells / 3, 2 * numCells / 3];
        var filterScaling = 1.0;
        for (var n = 0; n < numCells; n++)
        {
            var prev = outputs.Count - 2;
            if (reductions.Contains(n))
            {
                filterScaling *= rate;
                AddCell(genotype.Reduction, true, (long)(nf * filterScaling), outputs, outputs.Count - 2, prevIndex, config);
                cellIndex++;
            }

            if (!config.SkipReductionLayerInput)
            {
                prev = outputs.Count - 2;
            }

            AddCell(genotype.Normal, false, (long)(nf * filterScaling), outputs, prev, prevIndex, config);
            cellIndex++;
            if (config.AuxHead && n == reductions[1] - 1)
            {
                _auxAfter = cells.Count - 1;
                var (c, level) = outputs[^1]!.Value;
                aux = new AuxiliaryHead(c, SpatialSize(config, level), config);
            }
        }

        _prevIndex = prevIndex.ToArray();
        for (var i = 0; i < cells.Count; i++)
        {
            cells[i].SetDropPathKeepProb(1.0);
        }

        var last = outputs[^1]!.Value.C;
        FeatureChannels = last;
        if (config.DenseDropoutKeepProb < 1.0)
        {
            dropout = Dropout(1.0 - config.DenseDropoutKeepProb);
        }

        classifier = Layers.Fc(last, config.Classes);
        RegisterComponents();
        InitWeights();
    }

    /// <summary>The genotype this network was built from.</summary>
    public Genotype Genotype { get; }

    /// <summary>The macro configuration.</summary>
    public NetworkConfig Config { get; }

    /// <summary>Channels entering the classifier.</summary>
    public long FeatureChannels { get; }

    /// <summary>The cells in build order (ImageNet stem cells first).</summary>
    public IReadOnlyList<Cell> CellModules => cells.ToArray();

    /// <summary>Cells counted by ScheduledDropPath (TF total_num_cells: 3N + 2, or 3N + 4 with the ImageNet stem).</summary>
    public int TotalCells => _totalCells;

    /// <summary>Aux-head logits of the last training-mode forward (null in eval mode or without an aux head).</summary>
    public Tensor? AuxLogits { get; private set; }

    /// <summary>
    /// ScheduledDropPath progress t = min(1, step / totalSteps): cell k (build order, ImageNet stem cells included)
    /// keeps paths with probability 1 - t (k + 1) / TotalCells (1 - K) (spec §5.1, TF v3).
    /// </summary>
    public void SetDropPathProgress(double t)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            cells[i].SetDropPathKeepProb(DropPath.ScheduledKeepProb(Config.DropPathKeepProb, i, _totalCells, t));
        }
    }

    public override Tensor forward(Tensor x) => Run(x, null);

    /// <summary>
    /// The output shape of the stem and of every cell, in build order, from a forward pass without gradients on an
    /// input of <paramref name="inputShape"/> (on this module's device: move the module to the meta device to get
    /// shapes of big networks without computing).
    /// </summary>
    public IReadOnlyList<(string Name, long[] Shape)> StageShapes(long[] inputShape)
    {
        var device = classifier.weight!.device;
        var result = new List<(string Name, long[] Shape)>();
        var wasTraining = training;
        eval();
        try
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            var x = torch.zeros(inputShape, device: device);
            Run(x, result);
        }
        finally
        {
            train(wasTraining);
        }

        return result;
    }

    /// <summary>Trainable parameters (BatchNorm running statistics are buffers, not parameters).</summary>
    public long ParameterCount(bool includeAuxHead = false) =>
        named_parameters().Where(p => includeAuxHead || !p.name.StartsWith("aux.", StringComparison.Ordinal))
            .Sum(p => p.parameter.numel());

    private Tensor Run(Tensor x, List<(string Name, long[] Shape)>? shapes)
    {
        AuxLogits = null;
        if (aux is not null && training && (x.shape[2] != Config.ImageSize || x.shape[3] != Config.ImageSize))
        {
            throw new ArgumentException(
                $"input is {x.shape[2]}x{x.shape[3]} but the aux head was built for image_size {Config.ImageSize}; set NetworkConfig.ImageSize to the input size");
        }

        var outputs = new List<Tensor?> { null, stem.call(x) };
        shapes?.Add(("stem", outputs[1]!.shape));
        var normal = 0;
        var reduction = 0;
        for (var i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            var prev = outputs[_prevIndex[i]] ?? outputs[^1]!;
            var y = cell.call(prev, outputs[^1]!);
            outputs.Add(y);
            if (shapes is not null)
            {
                var isStem = i < _stemOutputs - 2;
                var name = isStem ? $"stem_cell_{i}" : cell.IsReduction ? $"reduction_cell_{reduction++}" : $"cell_{normal++}";
                shapes.Add((name, y.shape));
            }

            if (i == _auxAfter && aux is not null && training)
            {
                AuxLogits = aux.call(Layers.Relu(y));
            }
        }

        var h = Layers.Relu(outputs[^1]!).mean([2, 3]);
        if (dropout is not null)
        {
            h = dropout.call(h);
        }

        var logits = classifier.call(h);
        MacCounter.Add(classifier.weight!.shape[0] * classifier.weight!.shape[1]);
        return logits;
    }

    private void AddCell(CellGenotype g, bool reduction, long filters, List<(long C, int Level)?> outputs, int prev, List<int> prevIndex, NetworkConfig config)
    {
        var (c, level) = outputs[^1]!.Value;
        var p = outputs[prev];
        var cell = new Cell(g, reduction, c, p?.C, p is not null && p.Value.Level != level, filters, config);
        cells.Add(cell);
        prevIndex.Add(prev);
        outputs.Add((cell.OutChannels, level + (reduction ? 1 : 0)));
    }

    /// <summary>Spatial size after the stem and <paramref name="level"/> halvings in total.</summary>
    internal static long SpatialSize(NetworkConfig config, int level)
    {
        long s = config.ImageSize;
        var l = 0;
        if (config.Stem == StemKind.ImageNet)
        {
            s = (s - 3) / 2 + 1;
            l = 1;
        }

        for (; l < level; l++)
        {
            s = SamePadding.OutSize(s, 2);
        }

        return s;
    }

    private void InitWeights()
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, module) in named_modules())
        {
            if (module is Conv2d conv)
            {
                init.kaiming_normal_(conv.weight!, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            stem.Dispose();
            cells.Dispose();
            aux?.Dispose();
            dropout?.Dispose();
            classifier.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// TF's auxiliary head (spec §5.2): [ReLU applied by the caller] -> 5x5 avg pool stride 3 VALID -> 1x1 conv 128 -> BN
/// -> ReLU -> conv over the remaining spatial size to 768 -> BN -> ReLU -> linear. The pool shrinks for inputs under 5.
/// </summary>
internal sealed class AuxiliaryHead : Module<Tensor, Tensor>
{
    private readonly SameConv proj;
    private readonly BatchNorm2d bn0;
    private readonly SameConv conv;
    private readonly BatchNorm2d bn1;
    private readonly Linear fc;
    private readonly long _pool;

    public AuxiliaryHead(long cin, long spatial, NetworkConfig cfg)
        : base(nameof(AuxiliaryHead))
    {
        _pool = Math.Min(5, spatial);
        var pooled = (spatial - _pool) / 3 + 1;
        proj = new SameConv(cin, 128, (1, 1), (1, 1));
        bn0 = Layers.Bn(128, cfg);
        conv = new SameConv(128, 768, (pooled, pooled), (1, 1), valid: true);
        bn1 = Layers.Bn(768, cfg);
        fc = Layers.Fc(768, cfg.Classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = functional.avg_pool2d(x, [_pool, _pool], [3, 3]);
        y = Layers.Relu(Layers.Norm(bn0, proj.call(y)));
        y = Layers.Relu(Layers.Norm(bn1, conv.call(y)));
        return fc.call(y.flatten(1));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            proj.Dispose();
            bn0.Dispose();
            conv.Dispose();
            bn1.Dispose();
            fc.Dispose();
        }

        base.Dispose(disposing);
    }
}
