using NasNet.Core.SearchSpace;
using NasNet.Core.Tabular;
using NasNet.Core.Tests.Datasets;
using NasNet.Core.Training;

namespace NasNet.Core.Tests.Tabular;

public sealed class TabularTrainerTests : IDisposable
{
    private const string A = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
    private const string B = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|";
    private const string C = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";

    private const string Header = "index,arch,cifar10_test_200,cifar100_test_200,imagenet16_test_200,cifar10_valid_12,params_m_cifar10,flops_m_cifar10";

    private readonly TempDir _dir = new();

    private string Write(params string[] lines)
    {
        var path = _dir.File($"t{Guid.NewGuid():N}.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    private string Small() => Write(
        Header,
        $"0,{A},94.37,73.51,47.31,84.89,1.531546,220.11306",
        $"1,{B},85.8633,52.9133,26.6333,63.364,0.129306,15.64737");

    private static CandidateJob Job(string cell, int epochs = 3) =>
        new("c1", Nb201Cell.Parse(cell), new ChildTrainingSpec { Epochs = epochs }, 1);

    [Fact]
    public void Train_RecordedCell_RewardTestMetricsAndCostFromTheColumns()
    {
        var trainer = new TabularTrainer(Small(), space: Nb201SearchSpace.Instance);
        var epochs = new List<int>();
        var r = trainer.Train(Job(A), null, (e, bytes) => epochs.Add(TabularTrainer.EpochOf(bytes)), null, CancellationToken.None);

        Assert.Equal(TrainingOutcome.Completed, r.Outcome);
        Assert.Equal(0.8489, r.ValidationAccuracy, 12);          // percent -> fraction
        Assert.Equal(0.9437, r.TestAccuracy!.Value, 12);
        Assert.Equal(0.7351, r.Metrics!["cifar100_test_200"], 12);
        Assert.Equal(0.4731, r.Metrics["imagenet16_test_200"], 12);
        Assert.Equal(1_531_546, r.Params);                         // millions -> count
        Assert.Equal(220_113_060, r.MultAdds);
        Assert.Equal([1, 2, 3], epochs);
        Assert.Equal(3, r.Epochs);
        Assert.Equal(0.63364, trainer.Reward(Nb201Cell.Parse(B)), 12);
    }

    [Fact]
    public void Train_FromCheckpoint_ContinuesAtThatEpochWithTheSameResult()
    {
        var trainer = new TabularTrainer(Small());
        byte[]? saved = null;
        var first = trainer.Train(Job(B, 4), null, (e, bytes) => saved = e == 2 ? bytes : saved, null, CancellationToken.None);
        var epochs = new List<int>();
        var resumed = trainer.Train(Job(B, 4), saved, (e, _) => epochs.Add(e), null, CancellationToken.None);

        Assert.Equal([3, 4], epochs);
        Assert.Equal(first.ValidationAccuracy, resumed.ValidationAccuracy);
        Assert.Equal("resumed from epoch 2", resumed.Reason);
    }

    [Fact]
    public void RewardColumn_Named_ReadsThatColumn()
    {
        var trainer = new TabularTrainer(TabularTable.Load(Small()), new TabularOptions { RewardColumn = "cifar100_test_200", MetricColumns = [] });
        var r = trainer.Train(Job(A, 1), null, (_, _) => { }, null, CancellationToken.None);
        Assert.Equal(0.7351, r.ValidationAccuracy, 12);
        Assert.Empty(r.Metrics!);
    }

    [Fact]
    public void RewardColumn_Missing_OneLineErrorListingTheColumns()
    {
        var path = Small();
        var e = Assert.Throws<UserErrorException>(() => new TabularTrainer(path, "cifar10_valid_200"));
        Assert.Equal(
            $"table '{path}' has no column 'cifar10_valid_200': set trainer.rewardColumn to one of index, cifar10_test_200, cifar100_test_200, imagenet16_test_200, cifar10_valid_12, params_m_cifar10, flops_m_cifar10",
            e.Message);
    }

    [Fact]
    public void Train_CellNotInTable_OneLineError()
    {
        var path = Small();
        var trainer = new TabularTrainer(path);
        var calls = 0;
        var e = Assert.Throws<UserErrorException>(() => trainer.Train(Job(C), null, (_, _) => calls++, null, CancellationToken.None));
        Assert.Equal($"architecture {C} is not in table '{path}' (2 rows): use a table that covers the nas-bench-201 search space", e.Message);
        Assert.Equal(0, calls); // fails before any epoch
    }

    [Fact]
    public void Load_BadTables_OneLineErrorsNamingLineAndColumn()
    {
        string Message(Action a) => Assert.Throws<UserErrorException>(a).Message;

        var missing = _dir.File("none.csv");
        Assert.StartsWith($"table '{missing}' does not exist", Message(() => TabularTable.Load(missing)));

        var text = Write("arch,cifar10_valid_12", $"{A},84.9", $"{B},n/a");
        Assert.Equal(
            $"table '{text}', column 'cifar10_valid_12' is not numeric in every row: set trainer.rewardColumn to a numeric column",
            Message(() => new TabularTrainer(text)));

        var twice = Write("arch,cifar10_valid_12", $"{A},84.9", $"{B},60", $"{A},84.9");
        Assert.Equal(
            $"table '{twice}', line 4: architecture {A} is listed twice (first on line 2): keep one row per architecture",
            Message(() => TabularTable.Load(twice)));

        var bad = Write("arch,cifar10_valid_12", $"{A},84.9", "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|,1");
        Assert.StartsWith($"table '{bad}', line 3, column 'arch': '|conv~0|", Message(() => TabularTable.Load(bad, "arch", Nb201SearchSpace.Instance)));

        var noKey = Write("cell,cifar10_valid_12", $"{A},84.9");
        Assert.Equal(
            $"table '{noKey}' has no column 'arch' holding the architectures (columns: cell, cifar10_valid_12)",
            Message(() => TabularTable.Load(noKey)));

        var range = Write("arch,cifar10_valid_12", $"{A},184.9");
        Assert.Contains("column 'cifar10_valid_12' has values outside 0..100", Message(() => new TabularTrainer(range)));
    }

    [Fact]
    public void Table_FractionsAndNasNetGenotypes_ReadAsTheyAre()
    {
        // Accuracies already in [0, 1] stay fractions; any space's text can be a key (a quoted JSON genotype here).
        var json = Genotypes.NasNetA.Text.Replace("\"", "\"\"");
        var path = Write("arch,cifar10_valid_12", $"\"{json}\",0.91");
        var trainer = new TabularTrainer(path, space: CellSearchSpace.Default);
        var job = new CandidateJob("n", Genotypes.NasNetA, new ChildTrainingSpec { Epochs = 1 }, 1);
        var r = trainer.Train(job, null, (_, _) => { }, null, CancellationToken.None);

        Assert.Equal(0.91, r.ValidationAccuracy, 12);
        Assert.Null(r.TestAccuracy);
        Assert.Equal(0, r.Params);
    }

    public void Dispose() => _dir.Dispose();
}
