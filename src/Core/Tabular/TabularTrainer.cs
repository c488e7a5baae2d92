using NasNet.Core.SearchSpace;
using NasNet.Core.Training;

namespace NasNet.Core.Tabular;

/// <summary>
/// Settings of a <see cref="TabularTrainer"/>. Column defaults are NAS-Bench-201's (data/nb201/README.md). A column
/// left null uses its default when the table has it and is skipped otherwise; a column named explicitly must exist.
/// </summary>
public sealed record TabularOptions
{
    /// <summary>The default reward column: NAS-Bench-201's 12-epoch CIFAR-10 validation accuracy.</summary>
    public const string DefaultRewardColumn = "cifar10_valid_12";

    /// <summary>Column of the architectures (their <see cref="IArchitecture.Text"/>).</summary>
    public string KeyColumn { get; init; } = "arch";

    /// <summary>The search reward (an accuracy; becomes <see cref="CandidateResult.ValidationAccuracy"/>). Must exist.</summary>
    public string RewardColumn { get; init; } = DefaultRewardColumn;

    /// <summary>The reported test accuracy (<see cref="CandidateResult.TestAccuracy"/>); null: "cifar10_test_200" if present.</summary>
    public string? TestColumn { get; init; }

    /// <summary>Further reported accuracies (<see cref="CandidateResult.Metrics"/>); null: CIFAR-100 and ImageNet16-120 200-epoch test, if present.</summary>
    public IReadOnlyList<string>? MetricColumns { get; init; }

    /// <summary>Parameters in millions (<see cref="CandidateResult.Params"/>); null: "params_m_cifar10" if present.</summary>
    public string? ParamsColumn { get; init; }

    /// <summary>Multiply-adds in millions (<see cref="CandidateResult.MultAdds"/>); null: "flops_m_cifar10" if present.</summary>
    public string? FlopsColumn { get; init; }

    /// <summary>Wall-clock seconds to wait per epoch (0: replay instantly), for dry runs that should take time.</summary>
    public double SecondsPerEpoch { get; init; }
}

/// <summary>What a table records for one architecture. Accuracies are fractions in [0, 1].</summary>
/// <param name="Row">The row in the table.</param>
/// <param name="Reward">The reward column's accuracy.</param>
/// <param name="Test">The test column's accuracy, if any.</param>
/// <param name="Params">Parameters (count), 0 without a params column.</param>
/// <param name="MultAdds">Multiply-adds (count), 0 without a FLOPs column.</param>
/// <param name="Metrics">The metric columns' accuracies by column name.</param>
public sealed record TabularRecord(int Row, double Reward, double? Test, long Params, long MultAdds, IReadOnlyDictionary<string, double> Metrics);

/// <summary>
/// A trainer that replays recorded results instead of training (the tabular-benchmark "simulator" of Syne Tune and
/// NASLib): the reward is a named accuracy column, the reported test accuracy and metrics come from other columns,
/// and params and FLOPs are the candidate's cost. Accuracy columns are percentages when any value exceeds 1 (as in
/// NAS-Bench-201) and fractions otherwise; results are always fractions. It behaves like a trainer towards the
/// cluster: epochs, a checkpoint after each (the bytes encode the epoch, so a resume is observable) and a result, so a
/// campaign on it is a large, fast, realistic dry run of a deployment. An architecture missing from the table is a
/// one-line <see cref="UserErrorException"/>. Thread-safe (the table is read-only after loading).
/// </summary>
public sealed class TabularTrainer : ICandidateTrainer
{
    private static readonly byte[] Magic = "TAB1"u8.ToArray();
    private static readonly string[] DefaultMetrics = ["cifar100_test_200", "imagenet16_test_200"];

    private readonly int _reward;
    private readonly int _test;
    private readonly int _params;
    private readonly int _flops;
    private readonly (string Name, int Column)[] _metrics;
    private readonly double[] _scale; // per column: 0.01 for percentages, 1 for fractions

    /// <summary>Replays <paramref name="table"/> with <paramref name="options"/>; checks every named column now.</summary>
    public TabularTrainer(TabularTable table, TabularOptions? options = null)
    {
        Table = table;
        Options = options ?? new TabularOptions();
        _reward = table.NumericColumn(Options.RewardColumn, "trainer.rewardColumn");
        _test = Optional(Options.TestColumn, "cifar10_test_200", "trainer.testColumn");
        _params = Optional(Options.ParamsColumn, "params_m_cifar10", "trainer.paramsColumn");
        _flops = Optional(Options.FlopsColumn, "flops_m_cifar10", "trainer.flopsColumn");
        var metrics = Options.MetricColumns is { } named
            ? named.Select(m => (m, table.NumericColumn(m, "trainer.metricColumns")))
            : DefaultMetrics.Where(table.HasColumn).Select(m => (m, table.NumericColumn(m, "trainer.metricColumns")));
        _metrics = metrics.ToArray();
        _scale = new double[table.Columns.Count];
        foreach (var c in new[] { _reward, _test }.Concat(_metrics.Select(m => m.Column)).Where(c => c >= 0))
        {
            var values = table.ColumnValues(c);
            _scale[c] = values.Any(v => v > 1) ? 0.01 : 1;
            if (values.Any(v => v < 0 || v * _scale[c] > 1))
            {
                throw new UserErrorException($"table '{table.Source}', column '{table.Columns[c]}' has values outside 0..100: an accuracy column holds percentages or fractions");
            }
        }
    }

    /// <summary>Loads the CSV at <paramref name="path"/> (keys parsed in <paramref name="space"/>, if given) and replays it.</summary>
    public TabularTrainer(string path, string rewardColumn = TabularOptions.DefaultRewardColumn, ISearchSpace? space = null)
        : this(TabularTable.Load(path, "arch", space), new TabularOptions { RewardColumn = rewardColumn })
    {
    }

    /// <summary>The replayed table.</summary>
    public TabularTable Table { get; }

    /// <summary>The settings.</summary>
    public TabularOptions Options { get; }

    /// <summary>What the table records for an architecture; one that it lacks is a one-line <see cref="UserErrorException"/>.</summary>
    public TabularRecord Lookup(IArchitecture architecture)
    {
        var row = Table.RowOf(architecture);
        if (row < 0)
        {
            throw new UserErrorException(
                $"architecture {architecture.Text} is not in table '{Table.Source}' ({Table.Count} rows): use a table that covers the {architecture.SpaceName} search space");
        }

        return new TabularRecord(
            row,
            Accuracy(_reward, row),
            _test >= 0 ? Accuracy(_test, row) : null,
            _params >= 0 ? (long)Math.Round(Table.Value(_params, row) * 1e6) : 0,
            _flops >= 0 ? (long)Math.Round(Table.Value(_flops, row) * 1e6) : 0,
            _metrics.ToDictionary(m => m.Name, m => Accuracy(m.Column, row)));
    }

    /// <summary>The reward of an architecture (the reward column, as a fraction).</summary>
    public double Reward(IArchitecture architecture) => Lookup(architecture).Reward;

    public CandidateResult Train(CandidateJob job, byte[]? checkpoint, Action<int, byte[]> onEpoch, IProgress<EpochProgress>? progress, CancellationToken ct)
    {
        var record = Lookup(job.Architecture); // before any epoch: an unknown cell fails at once, not after the waits
        var start = checkpoint is null ? 0 : EpochOf(checkpoint);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var epoch = start; epoch < job.Spec.Epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            if (Options.SecondsPerEpoch > 0)
            {
                ct.WaitHandle.WaitOne(TimeSpan.FromSeconds(Options.SecondsPerEpoch));
                ct.ThrowIfCancellationRequested();
            }

            progress?.Report(new EpochProgress(epoch + 1, job.Spec.Epochs, 1, 1, 1 - record.Reward, 0));
            onEpoch(epoch + 1, CheckpointBytes(epoch + 1));
        }

        return new CandidateResult
        {
            Outcome = TrainingOutcome.Completed,
            ValidationAccuracy = record.Reward,
            TestAccuracy = record.Test,
            Params = record.Params,
            MultAdds = record.MultAdds,
            Epochs = job.Spec.Epochs,
            Seconds = watch.Elapsed.TotalSeconds,
            Metrics = record.Metrics,
            Reason = start > 0 ? $"resumed from epoch {start}" : null,
        };
    }

    /// <summary>The checkpoint bytes after an epoch: "TAB1" and the epoch.</summary>
    public static byte[] CheckpointBytes(int epoch) => EpochCheckpoint.Write(Magic, epoch);

    /// <summary>The epoch a tabular checkpoint was taken after; other bytes are an <see cref="ArgumentException"/>.</summary>
    public static int EpochOf(byte[] checkpoint) => EpochCheckpoint.Read(Magic, checkpoint, "tabular");

    private double Accuracy(int column, int row) => Table.Value(column, row) * _scale[column];

    private int Optional(string? named, string fallback, string setting) => named is not null
        ? Table.NumericColumn(named, setting)
        : Table.HasColumn(fallback) ? Table.NumericColumn(fallback, setting) : -1;
}
