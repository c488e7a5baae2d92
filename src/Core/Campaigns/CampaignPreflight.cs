using NasNet.Core.Datasets;
using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using NasNet.Core.Training;

namespace NasNet.Core.Campaigns;

/// <summary>
/// Checks a campaign config against its data before anything starts, reading headers only (milliseconds): the
/// dataset is present and readable, the validation size and training subset fit it, the image size and classes make
/// a network, the cost limits can be met by some child, a tabular trainer's table has its reward column. Each problem
/// is one line naming the field and the fix. The client runs it before <c>campaign start</c> and <c>validate</c>; the
/// controller runs it again in Start, where the data is (a remote cluster's silos may see other paths).
/// </summary>
public static class CampaignPreflight
{
    /// <summary>Throws the first problem as a one-line <see cref="UserErrorException"/>; returns the dataset's header when read.</summary>
    /// <param name="config">A parsed (validated) config.</param>
    /// <param name="readData">Read the dataset and table (false: only what the config alone decides, e.g. on a client whose cluster has the data elsewhere).</param>
    public static DatasetHeader? Check(CampaignConfig config, bool readData = true)
    {
        var (problems, header) = Run(config, readData);
        return problems.Count > 0 ? throw new UserErrorException(problems[0]) : header;
    }

    /// <summary>Every problem, one line each (empty when the campaign can start).</summary>
    public static IReadOnlyList<string> Problems(CampaignConfig config, bool readData = true) => Run(config, readData).Problems;

    /// <summary>
    /// The smallest parameter count and mult-adds a child of this search space can have under <paramref name="spec"/>
    /// on data of <paramref name="header"/>'s shape: the minimum over cells whose every operation is a 3x3 max pool
    /// (no weights) at each cell width the space allows (1..5 unused states, add or concat). Counted on the meta
    /// device, no training; about 10 network builds.
    /// </summary>
    public static (long Params, long MultAdds) SmallestChild(ChildTrainingSpec spec, DatasetHeader header)
    {
        long minParams = long.MaxValue, minMultAdds = long.MaxValue;
        foreach (var combine in new[] { Combine.Add, Combine.Concat })
        {
            for (var unused = 1; unused <= 5; unused++)
            {
                var g = PoolingOnly(unused, combine);
                var counts = ArchitectureStats.Count(g, TorchCandidateTrainer.NetworkFor(g, spec, header.ImageSize, header.Channels, header.Classes));
                minParams = Math.Min(minParams, counts.Params);
                minMultAdds = Math.Min(minMultAdds, counts.MultAdds);
            }
        }

        return (minParams, minMultAdds);
    }

    private static (List<string> Problems, DatasetHeader? Header) Run(CampaignConfig config, bool readData)
    {
        var problems = new List<string>();
        var child = config.Child;
        DatasetHeader? header = null;
        if (config.Trainer.Kind == TrainerKind.Tabular)
        {
            if (readData)
            {
                Try(problems, () => CheckTable(config.Trainer));
            }
        }
        else if (readData)
        {
            Try(problems, () => header = DatasetProbe.Read(TorchCandidateTrainer.DatasetOf(child)));
            if (header is not null)
            {
                Try(problems, () => CheckFit(child, header));
            }
        }

        if (config.SearchSpace == SearchSpaceKind.NasNet && config.Trainer.Kind != TrainerKind.Tabular && problems.Count == 0)
        {
            var shape = header ?? DatasetProbe.Nominal(child.Dataset, child.ImageSize);
            if (shape.Classes > 0)
            {
                Try(problems, () => CheckNetworkAndCost(config, shape));
            }
        }

        return (problems, header);
    }

    private static void Try(List<string> problems, Action check)
    {
        try
        {
            check();
        }
        catch (UserErrorException e)
        {
            problems.Add(e.Message);
        }
        catch (IOException e)
        {
            problems.Add($"cannot read the data: {e.Message.Split('\n')[0]}");
        }
        catch (UnauthorizedAccessException e)
        {
            problems.Add($"cannot read the data: {e.Message.Split('\n')[0]}: check its permissions");
        }
    }

    private static void CheckFit(ChildTrainingSpec child, DatasetHeader header)
    {
        var n = header.TrainImages;
        if (n < 2)
        {
            throw new UserErrorException($"dataset {header.Name} has {n} training image(s): a validation split needs at least 2");
        }

        var validation = child.ValidationSize ?? header.DefaultValidationSize;
        if (validation >= n)
        {
            throw new UserErrorException($"child.validationSize {validation} does not fit {header.Name}'s {n} training images: use 1..{n - 1}");
        }

        if (child.TrainSubset is { } subset && subset > n - validation)
        {
            throw new UserErrorException($"child.trainSubset {subset} is more than the {n - validation} training images {header.Name} has after holding out {validation} for validation: use 1..{n - validation}, or null for all");
        }

        if (child.ImageSize is { } size && child.Dataset.Kind is DatasetKind.FashionMnist or DatasetKind.Cifar10 && size != header.ImageSize)
        {
            throw new UserErrorException($"child.imageSize {size}: {header.Name} images are {header.ImageSize}x{header.ImageSize} and are not resized: leave it null");
        }

        if (header.Classes < 2)
        {
            throw new UserErrorException($"dataset {header.Name} has {header.Classes} class(es): a classifier needs at least 2");
        }
    }

    private static void CheckNetworkAndCost(CampaignConfig config, DatasetHeader header)
    {
        // A network of the published cell under these settings: the image size, classes and filters make a network.
        try
        {
            TorchCandidateTrainer.NetworkFor(Genotypes.NasNetA, config.Child, header.ImageSize, header.Channels, header.Classes).Validate();
        }
        catch (UserErrorException e)
        {
            throw new UserErrorException($"child: {e.Message}", e);
        }

        var cost = config.Cost;
        if (cost.MaxParams <= 0 && cost.MaxMultAdds <= 0)
        {
            return;
        }

        var (parameters, multAdds) = SmallestChild(config.Child, header);
        if (cost.MaxParams > 0 && cost.MaxParams < parameters)
        {
            throw new UserErrorException($"cost.maxParams {cost.MaxParams:N0} is below the smallest child these settings build ({parameters:N0} params, cells of 3x3 max pools at {config.Child.Cells} @ {config.Child.Filters}, {header.Classes} classes): raise it, or lower child.filters or child.cells");
        }

        if (cost.MaxMultAdds > 0 && cost.MaxMultAdds < multAdds)
        {
            throw new UserErrorException($"cost.maxMultAdds {cost.MaxMultAdds:N0} is below the smallest child these settings build ({multAdds:N0} mult-adds at {header.ImageSize}x{header.ImageSize}, {config.Child.Cells} @ {config.Child.Filters}): raise it, or lower child.filters, child.cells or child.imageSize");
        }
    }

    private static void CheckTable(TrainerSettings trainer)
    {
        var table = trainer.Table!;
        if (!File.Exists(table))
        {
            throw new UserErrorException($"trainer.table '{table}' does not exist: give the benchmark CSV (e.g. /work/shared/data/nb201/nb201.csv's copy on the silos)");
        }

        string? first;
        using (var reader = new StreamReader(table))
        {
            first = reader.ReadLine();
        }

        var columns = (first ?? "").Split(',').Select(c => c.Trim().Trim('"')).ToList();
        if (!columns.Contains("arch"))
        {
            throw new UserErrorException($"trainer.table '{table}' has no 'arch' column in its header line: give the NAS-Bench-201 CSV (columns index, arch, cifar10_valid_12, ...)");
        }

        if (!columns.Contains(trainer.RewardColumn))
        {
            var nearest = ConfigBinder.Nearest(trainer.RewardColumn, columns);
            throw new UserErrorException($"trainer.rewardColumn '{trainer.RewardColumn}' is not a column of '{table}': did you mean {nearest}? (columns: {string.Join(", ", columns)})");
        }
    }

    /// <summary>A genotype of 3x3 max pools only, with <paramref name="unused"/> unused block outputs in both cells.</summary>
    private static Genotype PoolingOnly(int unused, Combine combine)
    {
        const string op = Operations.MaxPool3x3;
        var chain = 6 - unused; // blocks 0..chain-1 feed each other; the rest read the cell inputs and stay unused
        var blocks = Enumerable.Range(0, 5)
            .Select(b => b == 0 || b >= chain ? new Block(0, 1, op, op, combine) : new Block(b + 1, b + 1, op, op, combine))
            .ToList();
        return new Genotype(CellGenotype.WithPaperConcat(blocks, "normal"), CellGenotype.WithPaperConcat(blocks, "reduction"));
    }
}
