using NasNet.Core.SearchSpace;

namespace NasNet.Core.Networks;

/// <summary>The stem in front of the cells: CIFAR (one 3x3 conv) or ImageNet (strided conv + two reduction cells).</summary>
public enum StemKind
{
    Cifar,
    ImageNet,
}

/// <summary>
/// Macro hyperparameters of a child network (spec §1.7, §6.1: TF-slim <c>cifar_config</c>, <c>mobile_imagenet_config</c>,
/// <c>large_imagenet_config</c>). The defaults are the CIFAR configuration. <see cref="Cells"/> is N, the number of
/// normal cells per stage (TF's <c>num_cells</c> = 3N).
/// </summary>
public sealed record NetworkConfig
{
    /// <summary>The stem kind.</summary>
    public StemKind Stem { get; init; } = StemKind.Cifar;

    /// <summary>N, normal cells per stage (3 stages).</summary>
    public int Cells { get; init; } = 6;

    /// <summary>TF's num_conv_filters: the cell width F of the first stage.</summary>
    public int NumConvFilters { get; init; } = 32;

    /// <summary>Stem width multiplier (CIFAR stem: F x m channels; ImageNet conv0: 32 x m channels).</summary>
    public double StemMultiplier { get; init; } = 3.0;

    /// <summary>Input height and width (used for the aux head's kernel and for counting).</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>Input channels (3 for RGB, 1 for grey images).</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Number of classes of the classifier.</summary>
    public int Classes { get; init; } = 10;

    /// <summary>TF's skip_reduction_layer_input (large config): the first normal cell after a reduction reads the reduction cell's h[i-1].</summary>
    public bool SkipReductionLayerInput { get; init; }

    /// <summary>K of ScheduledDropPath: the keep probability reached by the last cell at the end of training (1 = off).</summary>
    public double DropPathKeepProb { get; init; } = 0.6;

    /// <summary>Keep probability of the dropout before the classifier (1 = off).</summary>
    public double DenseDropoutKeepProb { get; init; } = 1.0;

    /// <summary>Whether to build the auxiliary head (after the last normal cell of the second stage; training only).</summary>
    public bool AuxHead { get; init; } = true;

    /// <summary>Filter multiplier at each reduction (2).</summary>
    public double FilterScalingRate { get; init; } = 2;

    /// <summary>BatchNorm epsilon (TF: 1e-5 CIFAR, 1e-3 ImageNet).</summary>
    public double BatchNormEpsilon { get; init; } = 1e-5;

    /// <summary>BatchNorm running-statistics momentum in PyTorch's convention (1 - TF decay: 0.1 CIFAR, 0.0003 ImageNet).</summary>
    public double BatchNormMomentum { get; init; } = 0.1;

    /// <summary>TF cifar_config: 6 @ 768, CIFAR stem, 32 px, 10 classes.</summary>
    public static NetworkConfig Cifar { get; } = new();

    /// <summary>TF mobile_imagenet_config: 4 @ 1056, ImageNet stem, 224 px, 1000 classes.</summary>
    public static NetworkConfig Mobile { get; } = new()
    {
        Stem = StemKind.ImageNet,
        Cells = 4,
        NumConvFilters = 44,
        StemMultiplier = 1.0,
        ImageSize = 224,
        Classes = 1000,
        DropPathKeepProb = 1.0,
        DenseDropoutKeepProb = 0.5,
        BatchNormEpsilon = 1e-3,
        BatchNormMomentum = 0.0003,
    };

    /// <summary>TF large_imagenet_config: 6 @ 4032, ImageNet stem, 331 px, 1000 classes, skip-reduction-input.</summary>
    public static NetworkConfig Large { get; } = new()
    {
        Stem = StemKind.ImageNet,
        Cells = 6,
        NumConvFilters = 168,
        StemMultiplier = 3.0,
        ImageSize = 331,
        Classes = 1000,
        SkipReductionLayerInput = true,
        DropPathKeepProb = 0.7,
        DenseDropoutKeepProb = 0.5,
        BatchNormEpsilon = 1e-3,
        BatchNormMomentum = 0.0003,
    };

    /// <summary>The names accepted by <see cref="Named"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cifar", "mobile", "large"];

    /// <summary>A TF configuration by name: cifar, mobile or large.</summary>
    public static NetworkConfig Named(string name) => name.ToLowerInvariant() switch
    {
        "cifar" => Cifar,
        "mobile" => Mobile,
        "large" => Large,
        _ => throw new UserErrorException($"unknown network config '{name}': use one of {string.Join(", ", Names)}"),
    };

    /// <summary>
    /// Sets <see cref="NumConvFilters"/> from F of the paper's "N @ F" (filters of the penultimate layer):
    /// F = w x num_conv_filters x rate^2, where w is the normal cell's output width in units of the cell width
    /// (6 for NASNet-A, hence Keras' F / 24). Sampled genotypes have other widths (paper concat rule), so a fixed F
    /// often does not divide: with <paramref name="exact"/> false the result is rounded to the nearest count (>= 1)
    /// instead of rejected. (During a search the paper fixes the initial filters: set <see cref="NumConvFilters"/>.)
    /// </summary>
    public NetworkConfig WithPenultimateFilters(int filters, Genotype genotype, bool exact = true)
    {
        var width = CellWidth(genotype.Normal);
        var divisor = width * FilterScalingRate * FilterScalingRate;
        var n = filters / divisor;
        if (!exact && filters > 0)
        {
            return this with { NumConvFilters = Math.Max(2, (int)Math.Round(n)) };
        }

        if (filters <= 0 || n < 2 || Math.Abs(n - Math.Round(n)) > 1e-9)
        {
            throw new UserErrorException(
                $"--filters {filters} is not a positive multiple of {divisor:0.##} (normal cell width {width} x rate^2 {FilterScalingRate * FilterScalingRate:0.##}); at least 2x that (factorized reduction splits the cell width in two); e.g. use {Math.Max(2, (int)Math.Round(filters / divisor)) * divisor:0.##}");
        }

        return this with { NumConvFilters = (int)Math.Round(n) };
    }

    /// <summary>Output width of a cell in units of its cell width F: inputs and add blocks count 1, concat blocks 2.</summary>
    public static int CellWidth(CellGenotype cell) =>
        cell.Concat.Sum(s => s >= 2 && cell.Blocks[s - 2].Combine == Combine.Concat ? 2 : 1);

    /// <summary>Checks every field; throws <see cref="UserErrorException"/> naming the field and the allowed range.</summary>
    public void Validate()
    {
        Check(Cells >= 1, "cells", $"{Cells}", "must be >= 1");
        Check(NumConvFilters >= 2, "num_conv_filters", $"{NumConvFilters}", "must be >= 2 (one filter per cell diverges: factorized reduction splits the width in two)");
        Check(StemMultiplier > 0 && !double.IsNaN(StemMultiplier), "stem_multiplier", $"{StemMultiplier}", "must be > 0");
        Check(InChannels >= 1, "in_channels", $"{InChannels}", "must be >= 1");
        Check(Classes >= 1, "classes", $"{Classes}", "must be >= 1");
        Check(FilterScalingRate >= 1, "filter_scaling_rate", $"{FilterScalingRate}", "must be >= 1");
        Check(DropPathKeepProb > 0 && DropPathKeepProb <= 1, "drop_path_keep_prob", $"{DropPathKeepProb}", "must be in (0, 1]");
        Check(DenseDropoutKeepProb > 0 && DenseDropoutKeepProb <= 1, "dense_dropout_keep_prob", $"{DenseDropoutKeepProb}", "must be in (0, 1]");
        Check(BatchNormEpsilon > 0, "batch_norm_epsilon", $"{BatchNormEpsilon}", "must be > 0");
        Check(BatchNormMomentum > 0 && BatchNormMomentum <= 1, "batch_norm_momentum", $"{BatchNormMomentum}", "must be in (0, 1]");
        if (Stem == StemKind.Cifar)
        {
            Check(ImageSize >= 1, "image_size", $"{ImageSize}", "must be >= 1");
            Check((int)(NumConvFilters * StemMultiplier) >= 1, "stem_multiplier", $"{StemMultiplier}", "gives a stem of 0 filters; raise it or num_conv_filters");
        }
        else
        {
            Check(ImageSize >= 3, "image_size", $"{ImageSize}", "must be >= 3 with the ImageNet stem");
            Check((int)(32 * StemMultiplier) >= 1, "stem_multiplier", $"{StemMultiplier}", "gives a stem of 0 filters; raise it");
            var stemFilters = (int)(NumConvFilters / (FilterScalingRate * FilterScalingRate));
            Check(stemFilters >= 1, "num_conv_filters", $"{NumConvFilters}", $"is too small for the ImageNet stem cells (need >= {Math.Ceiling(FilterScalingRate * FilterScalingRate)})");
        }
    }

    private static void Check(bool ok, string field, string value, string rule)
    {
        if (!ok)
        {
            throw new UserErrorException($"network config field '{field}' is {value}: it {rule}");
        }
    }
}
