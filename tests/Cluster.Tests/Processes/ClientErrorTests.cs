using NasNet.Cluster.Tests.Infrastructure;

namespace NasNet.Cluster.Tests.Processes;

/// <summary>Bad input to the nasnet client: one line "error: ...", exit code 1, nothing started, no hang.</summary>
public sealed class ClientErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nasnet-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static void AssertOneLineError((int Code, string Output) r, string expected)
    {
        Assert.Equal(1, r.Code);
        var lines = r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.Output);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
    }

    [Fact]
    public async Task Start_UnknownStrategy_NamesTheFieldAndStartsNothing() =>
        AssertOneLineError(await NasNetProcess.RunClientAsync(TimeSpan.FromSeconds(60), "campaign", "start", "--local", "--config", Write("""{ "strategy": { "kind": "foo" } }""")),
            "strategy.kind: 'foo' is not one of ppo, random, evolution");

    [Fact]
    public async Task Start_MalformedConfig_OneLine() =>
        AssertOneLineError(await NasNetProcess.RunClientAsync(TimeSpan.FromSeconds(60), "campaign", "start", "--local", "--config", Write("""{ "budget": { "candidates": """)),
            "not valid JSON");

    [Fact]
    public async Task Start_MissingDataset_OneLine() =>
        AssertOneLineError(await NasNetProcess.RunClientAsync(TimeSpan.FromSeconds(60), "campaign", "start", "--local", "--config", Write("""{ "dataset": { "kind": "fashion-mnist", "dir": "/nonexistent/fmnist" }, "trainer": { "kind": "simulated" } }""")),
            "dataset.dir '/nonexistent/fmnist' does not exist");

    [Fact]
    public async Task Start_ValidationSizeLargerThanTheDataset_OneLineAndNothingStarts() =>
        AssertOneLineError(await NasNetProcess.RunClientAsync(TimeSpan.FromSeconds(60), "campaign", "start", "--local", "--config", Write("""{ "dataset": { "kind": "synthetic" }, "child": { "validationSize": 1000 }, "trainer": { "kind": "simulated" } }""")),
            "child.validationSize 1000 does not fit synthetic's 512 training images: use 1..511");

    [Fact]
    public async Task Validate_MisspeltField_OneLineWithTheNearestName() =>
        AssertOneLineError(await NasNetProcess.RunClientAsync(TimeSpan.FromSeconds(60), "campaign", "validate", "--config", Write("""{ "child": { "epoch": 5 } }""")),
            "unknown field child.epoch: did you mean child.epochs?");

    [Fact]
    public async Task Validate_GoodConfig_PrintsTheFullEffectiveConfig()
    {
        var (code, output) = await NasNetProcess.RunClientAsync(TimeSpan.FromSeconds(60), "campaign", "validate", "--config", Write("""{ "dataset": { "kind": "synthetic" }, "child": { "epochs": 3 } /* the rest: defaults */ }"""));
        Assert.True(code == 0, output);
        var printed = NasNet.Core.Campaigns.CampaignConfig.Parse(output);
        Assert.Equal(3, printed.Child.Epochs);
        Assert.Contains("\"rewardColumn\": \"cifar10_valid_12\"", output);
        Assert.Contains("\"augment\": {", output);
    }

    [Fact]
    public async Task Status_RedisDown_OneLineNoHang() =>
        AssertOneLineError(await NasNetProcess.RunClientAsync(TimeSpan.FromSeconds(60), "campaign", "status", "x", "--cluster", $"127.0.0.1:{Ports.Free()}"),
            "cannot reach Redis");

    [Fact]
    public async Task List_NoSilo_OneLineNoHang() =>
        AssertOneLineError(await NasNetProcess.RunClientAsync(TimeSpan.FromSeconds(60), "campaign", "list", "--gateway-port", Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            "cannot reach the NasNet cluster");

    [Fact]
    public async Task Start_MissingConfigFile_OneLine() =>
        AssertOneLineError(await NasNetProcess.RunClientAsync(TimeSpan.FromSeconds(60), "campaign", "start", "--config", "/nonexistent/c.json"),
            "/nonexistent/c.json");
}
