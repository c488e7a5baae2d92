using NasNet.Core.Campaigns;
using NasNet.Core.Datasets;
using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using NasNet.Core.Tests.Datasets;
using NasNet.Core.Training;
using SkiaSharp;

namespace NasNet.Core.Tests.Campaigns;

/// <summary>Checks against the data before a campaign starts: real files in temporary folders, one line per problem.</summary>
public class CampaignPreflightTests
{
    private static CampaignConfig Config(string json) => CampaignConfig.Parse(json);

    private static string Problem(string json, bool readData = true)
    {
        var e = Assert.Throws<UserErrorException>(() => CampaignPreflight.Check(Config(json), readData));
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    private static string Json(string path) => path.Replace("\\", "\\\\", StringComparison.Ordinal);

    [Fact]
    public void MissingDatasetDir_NamesTheFieldAndTheFix()
    {
        var message = Problem("""{ "dataset": { "kind": "fashion-mnist", "dir": "/nonexistent/fmnist" } }""");
        Assert.Contains("dataset.dir '/nonexistent/fmnist' does not exist", message);
        Assert.Contains("apt-get install dataset-fashion-mnist", message);
    }

    [Fact]
    public void FolderWithoutTheIdxFiles_NamesTheMissingFile()
    {
        using var dir = new TempDir();
        var message = Problem($$"""{ "dataset": { "kind": "fashion-mnist", "dir": "{{Json(dir.Path)}}" } }""");
        Assert.Contains("has no Fashion-MNIST file train-images-idx3-ubyte", message);
    }

    [Fact]
    public void MissingDataset_NotReadWhenTheDataIsOnTheCluster()
    {
        Assert.Null(CampaignPreflight.Check(Config("""{ "dataset": { "kind": "fashion-mnist", "dir": "/nonexistent/fmnist" } }"""), readData: false));
        Assert.Empty(CampaignPreflight.Problems(Config("""{ "dataset": { "kind": "folder:/nonexistent/x" } }"""), readData: false));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FashionMnistFiles_HeaderReadWithoutDecoding(bool gz)
    {
        using var dir = new TempDir();
        IdxReaderTests.WriteFashion(dir.Path, 50, 20, gz);
        var header = CampaignPreflight.Check(Config($$"""{ "dataset": { "kind": "fashion-mnist", "dir": "{{Json(dir.Path)}}" }, "child": { "validationSize": 10 } }"""));
        Assert.Equal(new DatasetHeader("fashion-mnist", 50, 20, 10, 1, 28, 5), header);
    }

    [Fact]
    public void ValidationSizeLargerThanTheDataset_OneLineWithTheAllowedRange()
    {
        using var dir = new TempDir();
        IdxReaderTests.WriteFashion(dir.Path, 50, 20, gz: true);
        Assert.Equal(
            "child.validationSize 1000 does not fit fashion-mnist's 50 training images: use 1..49",
            Problem($$"""{ "dataset": { "kind": "fashion-mnist", "dir": "{{Json(dir.Path)}}" }, "child": { "validationSize": 1000 } }"""));
        Assert.Equal(
            "child.validationSize 1000 does not fit synthetic's 512 training images: use 1..511",
            Problem("""{ "dataset": { "kind": "synthetic" }, "child": { "validationSize": 1000 } }"""));
    }

    [Fact]
    public void TrainSubsetLargerThanWhatIsLeft_OneLine()
    {
        var message = Problem("""{ "dataset": { "kind": "synthetic" }, "child": { "validationSize": 12, "trainSubset": 501 } }""");
        Assert.Equal("child.trainSubset 501 is more than the 500 training images synthetic has after holding out 12 for validation: use 1..500, or null for all", message);
        Assert.Empty(CampaignPreflight.Problems(Config("""{ "dataset": { "kind": "synthetic" }, "child": { "validationSize": 12, "trainSubset": 500 } }""")));
    }

    [Fact]
    public void TruncatedIdxFile_NamesTheFile()
    {
        using var dir = new TempDir();
        IdxReaderTests.WriteFashion(dir.Path, 50, 20, gz: false);
        var path = Path.Combine(dir.Path, "t10k-images-idx3-ubyte");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..500]);
        var message = Problem($$"""{ "dataset": { "kind": "fashion-mnist", "dir": "{{Json(dir.Path)}}" } }""");
        Assert.Contains(path, message);
        Assert.Contains("truncated", message);
    }

    [Fact]
    public void ImageSizeOfAFixedSizeDataset_OneLine()
    {
        using var dir = new TempDir();
        IdxReaderTests.WriteFashion(dir.Path, 50, 20, gz: true);
        Assert.StartsWith("child.imageSize 32: fashion-mnist images are 28x28", Problem($$"""{ "dataset": { "kind": "fashion-mnist", "dir": "{{Json(dir.Path)}}" }, "child": { "imageSize": 32, "validationSize": 5 } }"""));
    }

    [Fact]
    public void ImageFolder_CountsFilesPerClassAndChecksTheClasses()
    {
        using var dir = new TempDir();
        WriteFolder(Path.Combine(dir.Path, "train"), ["a", "b", "c"], 4);
        WriteFolder(Path.Combine(dir.Path, "test"), ["a", "b", "c"], 2);
        var config = $$"""{ "dataset": { "kind": "folder:{{Json(dir.Path)}}" }, "child": { "imageSize": 16 } }""";
        Assert.Equal(new DatasetHeader($"folder:{dir.Path}", 12, 6, 3, 3, 16, 1), CampaignPreflight.Check(Config(config)));
        Assert.StartsWith("child.validationSize 12 does not fit", Problem(config.Replace("\"imageSize\": 16", "\"validationSize\": 12", StringComparison.Ordinal)));

        using var one = new TempDir();
        WriteFolder(one.Path, ["only"], 3);
        Assert.Contains("has 1 class sub-folder(s)", Problem($$"""{ "dataset": { "kind": "folder:{{Json(one.Path)}}" } }"""));
        Assert.Contains("the folder does not exist", Problem("""{ "dataset": { "kind": "folder:/nonexistent/images" } }"""));
    }

    [Fact]
    public void ImageFolder_UndecodableFirstImageWhenRejecting_NamesIt()
    {
        using var dir = new TempDir();
        WriteFolder(dir.Path, ["a", "b"], 2);
        var bad = Path.Combine(dir.Path, "a", "0-broken.png");
        File.WriteAllBytes(bad, [1, 2, 3]);
        Assert.Contains(bad, Problem($$"""{ "dataset": { "kind": "folder:{{Json(dir.Path)}}" }, "child": { "unreadableImages": "reject" } }"""));
        Assert.Empty(CampaignPreflight.Problems(Config($$"""{ "dataset": { "kind": "folder:{{Json(dir.Path)}}" } }""")));
    }

    [Fact]
    public void CostLimitsNoChildCanMeet_OneLineEach()
    {
        const string Synthetic = """ "dataset": { "kind": "synthetic" }, "child": { "cells": 1, "filters": 24 } """;
        var (parameters, multAdds) = CampaignPreflight.SmallestChild(Config("{" + Synthetic + "}").Child, DatasetProbe.Nominal(DatasetRef.Synthetic));
        Assert.InRange(parameters, 100, 1_000_000);

        Assert.StartsWith($"cost.maxParams {parameters - 1:N0} is below the smallest child these settings build ({parameters:N0} params", Problem($$"""{ {{Synthetic}}, "cost": { "maxParams": {{parameters - 1}} } }"""));
        Assert.StartsWith($"cost.maxMultAdds {multAdds - 1:N0} is below the smallest child", Problem($$"""{ {{Synthetic}}, "cost": { "maxMultAdds": {{multAdds - 1}} } }"""));
        Assert.Empty(CampaignPreflight.Problems(Config($$"""{ {{Synthetic}}, "cost": { "maxParams": {{parameters}}, "maxMultAdds": {{multAdds}} } }""")));
        // the config alone decides this one: also checked without reading the data
        Assert.StartsWith("cost.maxParams 10 is below", Problem("""{ "cost": { "maxParams": 10 } }""", readData: false));
    }

    [Fact]
    public void SmallestChild_IsNoLargerThanSampledChildren()
    {
        var spec = new ChildTrainingSpec { Dataset = DatasetRef.Synthetic, Cells = 1, Filters = 24 };
        var header = DatasetProbe.Nominal(DatasetRef.Synthetic);
        var (parameters, multAdds) = CampaignPreflight.SmallestChild(spec, header);
        var data = SyntheticDataset.Create(train: 4, test: 0);
        var rng = new Rng(5);
        for (var i = 0; i < 6; i++)
        {
            var g = CellSearchSpace.Default.Decode(CellSearchSpace.Default.RandomDecisions(rng));
            var counts = ArchitectureStats.Count(g, TorchCandidateTrainer.NetworkFor(g, spec, data));
            Assert.True(counts.Params >= parameters, $"{g}: {counts.Params} params < smallest {parameters}");
            Assert.True(counts.MultAdds >= multAdds, $"{g}: {counts.MultAdds} mult-adds < smallest {multAdds}");
        }
    }

    [Fact]
    public void TabularTable_MissingFileOrColumn_OneLine()
    {
        using var dir = new TempDir();
        var table = dir.File("nb201.csv");
        File.WriteAllText(table, "index,arch,cifar10_valid_12,params_m_cifar10\n0,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,10.0,0.1\n");
        string Tabular(string path, string column) => $$"""{ "searchSpace": "nas-bench-201", "trainer": { "kind": "tabular", "table": "{{Json(path)}}", "rewardColumn": "{{column}}" } }""";

        Assert.Empty(CampaignPreflight.Problems(Config(Tabular(table, "cifar10_valid_12"))));
        Assert.StartsWith("trainer.rewardColumn 'cifar10_valid' is not a column of", Problem(Tabular(table, "cifar10_valid")));
        Assert.Contains("did you mean cifar10_valid_12?", Problem(Tabular(table, "cifar10_valid")));
        Assert.StartsWith($"trainer.table '{dir.File("missing.csv")}' does not exist", Problem(Tabular(dir.File("missing.csv"), "cifar10_valid_12")));
    }

    [Fact]
    public void Problems_ListsEachProblemOnItsOwnLine()
    {
        var problems = CampaignPreflight.Problems(Config("""{ "dataset": { "kind": "synthetic" }, "child": { "validationSize": 600 } }"""));
        var problem = Assert.Single(problems);
        Assert.StartsWith("child.validationSize 600", problem);
    }

    private static void WriteFolder(string root, string[] classes, int perClass)
    {
        foreach (var c in classes)
        {
            var dir = Directory.CreateDirectory(Path.Combine(root, c)).FullName;
            for (var i = 0; i < perClass; i++)
            {
                using var bitmap = new SKBitmap(6, 6);
                bitmap.Erase(new SKColor((byte)(40 * i), 90, 200));
                using var image = SKImage.FromBitmap(bitmap);
                using var png = image.Encode(SKEncodedImageFormat.Png, 100);
                File.WriteAllBytes(Path.Combine(dir, $"{i}.png"), png.ToArray());
            }
        }
    }
}
