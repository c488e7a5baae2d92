namespace NasNet.Core.SearchSpace;

/// <summary>
/// Names of the cell operations (the DARTS-style strings used in genotype JSON) and the two operation lists:
/// the seed's 14 (the default) and the paper's 13 (without 5x5 average pooling). See ../shared/spec/nasnet.md §1.2.
/// </summary>
public static class Operations
{
    public const string Identity = "identity";
    public const string Conv1x3x3x1 = "conv_1x3_3x1";
    public const string Conv1x7x7x1 = "conv_1x7_7x1";
    public const string DilConv3x3 = "dil_conv_3x3";
    public const string AvgPool3x3 = "avg_pool_3x3";
    public const string MaxPool3x3 = "max_pool_3x3";
    public const string AvgPool5x5 = "avg_pool_5x5";
    public const string MaxPool5x5 = "max_pool_5x5";
    public const string MaxPool7x7 = "max_pool_7x7";
    public const string Conv1x1 = "conv_1x1";
    public const string Conv3x3 = "conv_3x3";
    public const string SepConv3x3 = "sep_conv_3x3";
    public const string SepConv5x5 = "sep_conv_5x5";
    public const string SepConv7x7 = "sep_conv_7x7";

    /// <summary>The seed's 14 operations, in the order of ../shared/spec/nasnet-a.json.</summary>
    public static readonly IReadOnlyList<string> Seed14 =
    [
        Identity, Conv1x3x3x1, Conv1x7x7x1, DilConv3x3, AvgPool3x3, MaxPool3x3, AvgPool5x5,
        MaxPool5x5, MaxPool7x7, Conv1x1, Conv3x3, SepConv3x3, SepConv5x5, SepConv7x7,
    ];

    /// <summary>The paper's 13 operations (the seed's list without 5x5 average pooling).</summary>
    public static readonly IReadOnlyList<string> Paper13 = Seed14.Where(o => o != AvgPool5x5).ToArray();

    /// <summary>Named operation lists: "seed-14" (default) and "paper-13".</summary>
    public static IReadOnlyList<string> ListNamed(string name) => name switch
    {
        "seed-14" => Seed14,
        "paper-13" => Paper13,
        _ => throw new ArgumentException($"unknown operation list '{name}': use seed-14 or paper-13"),
    };

    /// <summary>True for every name in the seed's list (which contains the paper's).</summary>
    public static bool IsKnown(string op) => Seed14.Contains(op);
}
