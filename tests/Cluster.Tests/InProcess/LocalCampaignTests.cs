using NasNet.Client.Commands;

namespace NasNet.Cluster.Tests.InProcess;

/// <summary>Campaigns run the way `demo` and `campaign start --local` run them: an embedded silo in this process.</summary>
public sealed class LocalCampaignTests
{
    [Fact]
    public async Task Demo_WithoutFashionMnist_TrainsRealCandidatesOnTheSyntheticSetWithNoneFailed()
    {
        var said = new StringWriter();
        var config = DemoCommand.DemoConfig(2, "random", simulated: false, said, fashionMnistDir: "/nonexistent/fashion-mnist");

        var progress = new StringWriter();
        var id = CampaignCommands.NewId("demo-test");
        var status = await CampaignCommands.RunLocalAsync(config, id, slots: 1, json: false, exportDir: null, CancellationToken.None, progress);

        Assert.Contains("apt-get install dataset-fashion-mnist", said.ToString());
        Assert.Matches($@"(?m)^page http://127\.0\.0\.1:\d+/campaigns/{id} \(served while this runs\)", progress.ToString()); // the embedded silo's page
        Assert.Equal("synthetic", config.Child.Dataset);
        Assert.Equal((CampaignState.Completed, 2, 0), (status.State, status.Completed, status.Failed));
        Assert.NotNull(status.BestAccuracy);
        Assert.InRange(status.BestAccuracy!.Value, 0.0, 1.0);
    }
}
