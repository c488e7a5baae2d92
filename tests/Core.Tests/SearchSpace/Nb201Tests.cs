using NasNet.Core.SearchSpace;
using NasNet.Core.Tabular;
using NasNet.Core.Tests.Datasets;
using NasNet.Core.Training;

namespace NasNet.Core.Tests.SearchSpace;

public class Nb201Tests
{
    private static readonly Nb201SearchSpace Space = Nb201SearchSpace.Instance;

    private const string Best = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";

    [Fact]
    public void Space_DecisionsAndHeads_SixEdgesOfFiveOpsOneHead()
    {
        Assert.Equal("nas-bench-201", Space.Name);
        Assert.Equal(6, Space.DecisionCount);
        Assert.All(Enumerable.Range(0, 6), p => Assert.Equal(5, Space.ChoiceCount(p)));
        Assert.All(Enumerable.Range(0, 6), p => Assert.Equal(0, Space.HeadOf(p)));
        Assert.Equal([new DecisionHead("ops", 5)], Space.Heads);
        Assert.Same(Space, SearchSpaces.Get("nas-bench-201"));
        Assert.Same(CellSearchSpace.Default, SearchSpaces.Get("nasnet"));
        Assert.Equal(["inputs", "ops", "combines"], CellSearchSpace.Default.Heads.Select(h => h.Name));
        Assert.Equal(6, CellSearchSpace.Default.Heads[0].Width); // block 4 chooses among 6 states

        var e = Assert.Throws<UserErrorException>(() => SearchSpaces.Get("nasbench"));
        Assert.Equal("searchSpace 'nasbench' is not supported (use one of: nasnet, nas-bench-201)", e.Message);
    }

    [Fact]
    public void Text_BenchmarkForm_RoundTripsThroughParseAndDecisions()
    {
        var cell = Nb201Cell.Parse(Best);
        Assert.Equal(Best, cell.Text);
        Assert.Equal([3, 3, 3, 1, 3, 3], Space.Encode(cell));
        Assert.Equal(cell, Space.Decode([3, 3, 3, 1, 3, 3]));
        Assert.Equal(cell, SearchSpaces.Parse("nas-bench-201", $"  {Best}\n"));
        Assert.Equal("|none~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|", Space.Decode([0, 1, 2, 3, 4, 0]).Text);

        var nasnet = CellSearchSpace.Default.Parse(Genotypes.NasNetA.Text);
        Assert.Equal(Genotypes.NasNetA.Hash, nasnet.Hash); // the NASNet text (compact JSON) round-trips too
    }

    [Fact]
    public void IsGenotype_TellsANasNetGenotypeFromATabularCellString()
    {
        Assert.True(SearchSpaces.IsGenotype(Genotypes.NasNetA.Text));
        Assert.True(SearchSpaces.IsGenotype($"\n  {Genotypes.NasNetA.Text}"));
        Assert.False(SearchSpaces.IsGenotype(Best));
        Assert.False(SearchSpaces.IsGenotype(""));
    }

    [Theory]
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|", "2 node groups separated by '+', expected 3")]
    [InlineData("|conv~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "unknown operation 'conv'")]
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~1|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "node 2, edge 0 'nor_conv_3x3~1' must be op~0")]
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "node 2 has 1 edges, expected 2")]
    [InlineData("nor_conv_3x3~0+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "must start and end with '|'")]
    public void Parse_Malformed_OneLineErrorNamingTheProblemAndTheForm(string text, string why)
    {
        var e = Assert.Throws<UserErrorException>(() => Nb201Cell.Parse(text));
        Assert.Contains(why, e.Message);
        Assert.EndsWith("write it as |op~0|+|op~0|op~1|+|op~0|op~1|op~2|", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Hash_TableWrittenByTheTest_EqualExactlyWithinIsomorphismClasses()
    {
        // Classes by hand. Class 0: edge 1<-0 is none, so the ops on 2<-1 and 3<-1 (reading a zero node) do not matter.
        // Class 1: edge 3<-2 is none, so node 2's edges (2<-0, 2<-1) do not reach the output. Class 2: node 1 is a skip
        // of node 0, so a convolution on 2<-0 or on 2<-1 is the same function. Class 3 and 4 differ from class 2 in one
        // live edge each.
        string[] rows =
        [
            "|none~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|,0",
            "|none~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|,0",
            "|none~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|skip_connect~1|nor_conv_1x1~2|,0",
            "|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|,1",
            "|nor_conv_1x1~0|+|avg_pool_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|none~2|,1",
            "|nor_conv_1x1~0|+|none~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|,1",
            "|skip_connect~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|,2",
            "|skip_connect~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|,2",
            "|skip_connect~0|+|none~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|,3",
            "|skip_connect~0|+|nor_conv_3x3~0|none~1|+|nor_conv_3x3~0|avg_pool_3x3~1|nor_conv_1x1~2|,4",
        ];
        using var dir = new TempDir();
        var path = dir.File("iso.csv");
        File.WriteAllLines(path, ["arch,iso_class", .. rows]);
        var table = TabularTable.Load(path, "arch", Space);
        var iso = table.NumericColumn("iso_class", "iso");

        var cells = table.Keys.Select(k => Nb201Cell.Parse(k)).ToArray();
        for (var i = 0; i < cells.Length; i++)
        {
            for (var j = 0; j < cells.Length; j++)
            {
                var sameClass = table.Value(iso, i) == table.Value(iso, j);
                Assert.True(sameClass == (cells[i].Hash == cells[j].Hash), $"{cells[i]} vs {cells[j]}: same class {sameClass}");
            }
        }
    }

    [Fact]
    public void Hash_ShippedBenchmarkTable_ReproducesEveryIsoClassOfTheBenchmark()
    {
        var path = RepoFile("data/nb201/nb201.csv");
        var raw = TabularTable.Load(path); // keys as written
        Assert.Equal(15_625, raw.Count);
        var iso = raw.NumericColumn("iso_class", "iso_class");
        var index = raw.NumericColumn("index", "index");
        var hashOfIndex = new Dictionary<int, string>();
        var cells = new Nb201Cell[raw.Count];
        for (var r = 0; r < raw.Count; r++)
        {
            cells[r] = Nb201Cell.Parse(raw.Keys[r]);
            Assert.Equal(raw.Keys[r], cells[r].Text); // the benchmark's strings are our text form
            hashOfIndex[(int)raw.Value(index, r)] = cells[r].Hash;
        }

        // iso_class is the index of the first cell of the class: same class <=> same hash, for all 15,625 cells.
        for (var r = 0; r < raw.Count; r++)
        {
            Assert.Equal(hashOfIndex[(int)raw.Value(iso, r)], cells[r].Hash);
        }

        Assert.Equal(6_466, cells.Select(c => c.Hash).Distinct().Count());
        Assert.Equal(15_625, cells.Select(c => Space.Encode(c)).Select(d => string.Join("", d)).Distinct().Count());
    }

    [Fact]
    public void SimulatedTrainer_Nb201Job_RewardsConvolutionsOverNone()
    {
        var trainer = new SimulatedTrainer(0);
        var spec = new ChildTrainingSpec { Epochs = 2 };
        var good = new CandidateJob("a", Nb201Cell.Parse(Best), spec, 1);
        var bad = new CandidateJob("b", Space.Decode([0, 0, 0, 0, 0, 1]), spec, 1);
        var epochs = new List<int>();
        var result = trainer.Train(good, null, (e, _) => epochs.Add(e), null, CancellationToken.None);

        Assert.Equal([1, 2], epochs);
        Assert.True(result.ValidationAccuracy > trainer.Reward(bad) + 0.2, $"{result.ValidationAccuracy} vs {trainer.Reward(bad)}");
        var e = Assert.Throws<UserErrorException>(() => good.Genotype); // the torch trainer's view: NASNet only
        Assert.Contains("this trainer trains NASNet genotypes only: use the tabular or simulated trainer for nas-bench-201", e.Message);
    }

    /// <summary>A file of the repository (found by walking up from the test binaries to the solution).</summary>
    internal static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NasNet.sln")))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }

        throw new FileNotFoundException($"no NasNet.sln above {AppContext.BaseDirectory}");
    }
}
