using NasNet.Core.Controller;
using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using NasNet.Core.Training;

namespace NasNet.Core.Campaigns;

/// <summary>
/// The final evaluation of a campaign (the paper's protocol: search small, retrain the winners bigger): the top K
/// cells of the search retrained from scratch at the final size on the training split, beside references trained
/// under exactly the same protocol — the published NASNet-A cell, the best of R uniformly random cells (the
/// random-search baseline at equal final cost), a hand-designed network (ResNet-20), and the best found cell again at
/// the hand-designed network's parameter count — each with S seeds; test accuracy is reported as mean ± std.
/// </summary>
public sealed record FinalSettings
{
    /// <summary>Found cells to retrain (the leaderboard's first K).</summary>
    public int Top { get; init; } = 2;

    /// <summary>Uniformly random cells trained under the same protocol (0 = as many as <see cref="Top"/>).</summary>
    public int RandomCells { get; init; }

    /// <summary>Seeds per row.</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>N of the final children (null = the search's).</summary>
    public int? Cells { get; init; }

    /// <summary>F of the final children (null = the search's).</summary>
    public int? Filters { get; init; }

    public int Epochs { get; init; } = 3;

    /// <summary>Training images (null = the whole training split).</summary>
    public int? TrainSubset { get; init; }

    /// <summary>Learning rate of the final training (null = the search's).</summary>
    public double? LearningRate { get; init; }

    /// <summary>The hand-designed reference (one of <see cref="ReferenceNetworks.Names"/>), or null for none.</summary>
    public string? Reference { get; init; } = "resnet-20";

    /// <summary>Also retrain the best found cell at the reference's parameter count.</summary>
    public bool MatchReferenceParams { get; init; } = true;

    /// <summary>Also retrain the published NASNet-A cell.</summary>
    public bool NasNetA { get; init; } = true;

    /// <summary>Throws a one-line error naming the first invalid field.</summary>
    public FinalSettings Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok)
            {
                throw new UserErrorException(message);
            }
        }

        Check(Top is >= 1 and <= 100, $"final.top {Top} is out of range: use 1 to 100");
        Check(RandomCells is >= 0 and <= 100, $"final.randomCells {RandomCells} is out of range: use 0 (= top) to 100");
        Check(Seeds is >= 1 and <= 20, $"final.seeds {Seeds} is out of range: use 1 to 20");
        Check(Epochs is >= 1 and <= 10_000, $"final.epochs {Epochs} is out of range: use 1 to 10000");
        Check(Cells is null or (>= 1 and <= 64), $"final.cells {Cells} is out of range: use 1 to 64");
        Check(Filters is null or (>= 2 and <= 4096), $"final.filters {Filters} is out of range: use 2 to 4096");
        Check(TrainSubset is null or >= 1, $"final.trainSubset {TrainSubset} must be positive (or null for the whole training split)");
        Check(LearningRate is null or > 0, $"final.learningRate {LearningRate} must be positive");
        Check(Reference is null || ReferenceNetworks.IsReference(Reference), $"final.reference '{Reference}' is not one of {string.Join(", ", ReferenceNetworks.Names)} (or null)");
        return this;
    }

    /// <summary>The child spec of a final training (the test set is evaluated; weights are not kept).</summary>
    public ChildTrainingSpec Spec(ChildTrainingSpec search, int? filters = null) => search with
    {
        Cells = Cells ?? search.Cells,
        Filters = filters ?? Filters ?? search.Filters,
        Epochs = Epochs,
        TrainSubset = TrainSubset,
        LearningRate = LearningRate ?? search.LearningRate,
        EvaluateTest = true,
        KeepWeights = false,
    };
}

/// <summary>The kind of a final-evaluation row.</summary>
public enum FinalRole
{
    /// <summary>A cell the search found (by leaderboard rank).</summary>
    Found,

    /// <summary>A uniformly random cell of the search space.</summary>
    Random,

    /// <summary>The published NASNet-A cell.</summary>
    NasNetA,

    /// <summary>The hand-designed network.</summary>
    Reference,

    /// <summary>The best found cell at the hand-designed network's parameter count.</summary>
    FoundAtReferenceParams,
}

/// <summary>One training of the final evaluation: a row's architecture at one seed.</summary>
/// <param name="Label">Row name ("found #1", "random #2", "nasnet-a", "resnet-20", "found #1 @ resnet-20 params").</param>
/// <param name="Role">What the row stands for.</param>
/// <param name="Architecture">Genotype JSON, or a reference network's name.</param>
/// <param name="Filters">F to build it with (0 = the final settings').</param>
/// <param name="Seed">Seed index within the row.</param>
public sealed record FinalWork(string Label, FinalRole Role, string Architecture, int Filters, int Seed);

/// <summary>Plans the final evaluation's work from the cells the search found.</summary>
public interface IFinalPlanner
{
    IReadOnlyList<FinalWork> Plan(IReadOnlyList<string> found);
}

/// <summary>
/// Plans NASNet-space final evaluations: found cells, R random cells (seeded, uniform over the search space), NASNet-A,
/// the reference network, and the best found cell with F chosen so its parameter count is nearest the reference's.
/// </summary>
public sealed class FinalPlanner(FinalSettings settings, ChildTrainingSpec search, long seed, int imageSize, int channels, int classes) : IFinalPlanner
{
    public IReadOnlyList<FinalWork> Plan(IReadOnlyList<string> found)
    {
        var rows = new List<(string Label, FinalRole Role, string Architecture, int Filters)>();
        for (var i = 0; i < Math.Min(settings.Top, found.Count); i++)
        {
            rows.Add(($"found #{i + 1}", FinalRole.Found, found[i], 0));
        }

        using (var random = new RandomSearch(CellSearchSpace.Default, seed ^ 0x7a4d_0fL))
        {
            var count = settings.RandomCells > 0 ? settings.RandomCells : settings.Top;
            for (var i = 0; i < count; i++)
            {
                rows.Add(($"random #{i + 1}", FinalRole.Random, GenotypeJson.SerializeCompact(random.Propose().Genotype), 0));
            }
        }

        if (settings.NasNetA)
        {
            rows.Add(("nasnet-a", FinalRole.NasNetA, GenotypeJson.SerializeCompact(Genotypes.NasNetA), 0));
        }

        if (settings.Reference is { } reference)
        {
            rows.Add((reference, FinalRole.Reference, reference, 0));
            if (settings.MatchReferenceParams && found.Count > 0)
            {
                using var net = ReferenceNetworks.Build(reference, channels, classes);
                rows.Add(($"found #1 @ {reference} params", FinalRole.FoundAtReferenceParams, found[0], FiltersFor(found[0], net.ParameterCount())));
            }
        }

        return rows.SelectMany(r => Enumerable.Range(0, settings.Seeds).Select(s => new FinalWork(r.Label, r.Role, r.Architecture, r.Filters, s))).ToList();
    }

    /// <summary>
    /// An F (even, at least 2) whose child's parameter count is near <paramref name="target"/>: the count grows about
    /// as F², so two Newton-like steps from F = 32 land within a few percent (each step builds the child on the meta
    /// device once); the nearest of the Fs tried wins.
    /// </summary>
    public int FiltersFor(string architecture, long target)
    {
        var genotype = GenotypeJson.Parse(architecture);
        long Params(int f) => ArchitectureStats.Count(genotype, TorchCandidateTrainer.NetworkFor(genotype, settings.Spec(search, f), imageSize, channels, classes)).Params;
        var tried = new Dictionary<int, long>();
        var f = 32;
        for (var step = 0; step < 3 && !tried.ContainsKey(f); step++)
        {
            var p = tried[f] = Params(f);
            f = Math.Clamp((int)Math.Round(f * Math.Sqrt((double)target / Math.Max(1, p)) / 2) * 2, 2, 4096);
        }

        return tried.MinBy(t => Math.Abs(t.Value - target)).Key;
    }
}

/// <summary>One row of the final table: test accuracy mean ± std over its seeds, and its costs.</summary>
public sealed record FinalRow(
    string Label,
    FinalRole Role,
    string Architecture,
    int Seeds,
    int Trained,
    double? TestMean,
    double? TestStd,
    double? ValidationMean,
    long Params,
    long MultAdds,
    double LatencyMs);

/// <summary>The final table, and how the search's best cell compares with each reference.</summary>
public sealed record FinalReport(IReadOnlyList<FinalRow> Rows)
{
    /// <summary>Rows from the final entries of a ledger (grouped by label, in plan order).</summary>
    public static FinalReport From(IEnumerable<CandidateEntry> entries)
    {
        var rows = entries.Where(e => e.Final is not null)
            .GroupBy(e => e.Final!.Label)
            .Select(g =>
            {
                var done = g.Where(e => e.Status == CandidateStatus.Done && e.TestAccuracy is not null).ToArray();
                var tests = done.Select(e => e.TestAccuracy!.Value).ToArray();
                var first = g.First();
                return new FinalRow(
                    g.Key, first.Final!.Role, first.Architecture, g.Count(), done.Length,
                    tests.Length == 0 ? null : tests.Average(), tests.Length == 0 ? null : Std(tests),
                    done.Length == 0 ? null : done.Average(e => e.Accuracy),
                    done.FirstOrDefault()?.Params ?? 0, done.FirstOrDefault()?.MultAdds ?? 0, done.Length == 0 ? 0 : done.Average(e => e.LatencyMs));
            })
            .ToList();
        return new FinalReport(rows);
    }

    /// <summary>The found row with the best mean validation accuracy (selection never looks at test accuracy).</summary>
    public FinalRow? BestFound => Best(FinalRole.Found);

    /// <summary>The random row with the best mean validation accuracy: the random-search baseline at equal final cost.</summary>
    public FinalRow? BestRandom => Best(FinalRole.Random);

    public bool Complete => Rows.All(r => r.Trained == r.Seeds);

    private FinalRow? Best(FinalRole role) => Rows.Where(r => r.Role == role && r.ValidationMean is not null).MaxBy(r => r.ValidationMean);

    private static double Std(double[] xs)
    {
        if (xs.Length < 2)
        {
            return 0;
        }

        var mean = xs.Average();
        return Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Length - 1));
    }
}

/// <summary>JSON forms of the final settings and of a child spec carried in a lease (camelCase; unknown fields are errors).</summary>
public static class WorkJson
{
    private static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static string Write<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, Options);

    /// <summary>Reads <typeparamref name="T"/>; malformed JSON or an unknown field is a one-line user error naming <paramref name="what"/>.</summary>
    public static T Read<T>(string json, string what)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<T>(json, Options) ?? throw new UserErrorException($"{what}: empty");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new UserErrorException($"{what}: {e.Message.Split('\n')[0]}");
        }
    }
}
