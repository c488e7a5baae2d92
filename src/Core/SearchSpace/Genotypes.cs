namespace NasNet.Core.SearchSpace;

/// <summary>Published cells by name (looked up through a dictionary, never reflection).</summary>
public static class Genotypes
{
    /// <summary>
    /// NASNet-A exactly as tensorflow/models research/slim/nets/nasnet/nasnet_utils.py builds it (indices swapped to
    /// 0 = h[i-1], 1 = h[i]; TF's explicit concat lists). See ../shared/spec/nasnet.md §2.2.
    /// </summary>
    public static readonly Genotype NasNetA = new(
        new CellGenotype(
            [
                new Block(1, 0, Operations.SepConv5x5, Operations.SepConv3x3, Combine.Add),
                new Block(0, 0, Operations.SepConv5x5, Operations.SepConv3x3, Combine.Add),
                new Block(1, 0, Operations.AvgPool3x3, Operations.Identity, Combine.Add),
                new Block(0, 0, Operations.AvgPool3x3, Operations.AvgPool3x3, Combine.Add),
                new Block(1, 1, Operations.SepConv3x3, Operations.Identity, Combine.Add),
            ],
            [0, 2, 3, 4, 5, 6],
            "normal cell"),
        new CellGenotype(
            [
                new Block(1, 0, Operations.SepConv5x5, Operations.SepConv7x7, Combine.Add),
                new Block(1, 0, Operations.MaxPool3x3, Operations.SepConv7x7, Combine.Add),
                new Block(1, 0, Operations.AvgPool3x3, Operations.SepConv5x5, Combine.Add),
                new Block(3, 2, Operations.Identity, Operations.AvgPool3x3, Combine.Add),
                new Block(2, 1, Operations.SepConv3x3, Operations.MaxPool3x3, Combine.Add),
            ],
            [3, 4, 5, 6],
            "reduction cell"));

    /// <summary>Presets by name.</summary>
    public static readonly IReadOnlyDictionary<string, Genotype> Presets = new Dictionary<string, Genotype>(StringComparer.OrdinalIgnoreCase)
    {
        ["nasnet-a"] = NasNetA,
    };

    /// <summary>A preset by name, or a one-line error listing the known ones.</summary>
    public static Genotype Preset(string name) =>
        Presets.TryGetValue(name, out var g)
            ? g
            : throw new GenotypeException($"unknown preset '{name}' (known: {string.Join(", ", Presets.Keys)}); or pass --genotype FILE.json");
}
