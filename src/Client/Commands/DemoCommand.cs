using System.CommandLine;
using NasNet.Core;
using NasNet.Core.Campaigns;
using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;
using NasNet.Core.Training;
using NasNet.Grains.Hosting;

using CampaignState = NasNet.Grains.Interfaces.CampaignState;

namespace NasNet.Client.Commands;

/// <summary>
/// `nasnet demo`: an embedded silo in this process runs a small real campaign (torch trainer on Fashion-MNIST when
/// installed, else the synthetic set) with live progress, then prints the leaderboard and writes the export.
/// Defaults are sized to finish in about 10 minutes on 2 CPU cores (measured: 7 on an idle 2-core VM).
/// </summary>
public static class DemoCommand
{
    /// <summary>Where the Debian package dataset-fashion-mnist installs its files.</summary>
    public const string FashionMnistDir = "/usr/share/datasets/fashion-mnist";

    public static Command Create()
    {
        var candidates = new Option<int>("--candidates") { Description = "architectures to evaluate", DefaultValueFactory = _ => 16 };
        var strategy = new Option<string>("--strategy") { Description = "ppo | random | evolution", DefaultValueFactory = _ => "ppo" };
        var outDir = new Option<string>("--out") { Description = "export directory", DefaultValueFactory = _ => "nasnet-demo" };
        var slots = new Option<int>("--slots") { Description = "training slots (0 = one per core)" };
        var simulated = new Option<bool>("--simulated") { Description = "use the simulated trainer (a dry run: no tensors)" };
        var command = new Command("demo", "Run a small real search campaign in this process (embedded silo) and export the best cells");
        command.Options.Add(candidates);
        command.Options.Add(strategy);
        command.Options.Add(outDir);
        command.Options.Add(slots);
        command.Options.Add(simulated);
        command.SetAction(async (p, ct) =>
        {
            var config = DemoConfig(p.GetValue(candidates), p.GetValue(strategy)!, p.GetValue(simulated), Console.Out);
            var status = await CampaignCommands.RunLocalAsync(config, CampaignCommands.NewId("demo"), p.GetValue(slots), json: false, p.GetValue(outDir), ct);
            return status.State == CampaignState.Completed ? 0 : 1;
        });
        return command;
    }

    /// <summary>
    /// The demo campaign: small children, one epoch, a subset of the data. On Fashion-MNIST when the Debian package is
    /// installed; otherwise on the built-in synthetic set (512 training images of 8x8), sized to fit it, and it says how
    /// to install the real data.
    /// </summary>
    public static CampaignConfig DemoConfig(int candidates, string strategy, bool simulated, TextWriter o, string fashionMnistDir = FashionMnistDir)
    {
        var fashion = File.Exists(Path.Combine(fashionMnistDir, "train-images-idx3-ubyte.gz"));
        o.WriteLine(fashion
            ? $"dataset: Fashion-MNIST ({fashionMnistDir})"
            : "dataset: synthetic (Fashion-MNIST is not installed; for the real demo run: sudo apt-get install dataset-fashion-mnist)");
        var child = fashion
            ? new ChildTrainingSpec
            {
                Dataset = "fashion-mnist",
                DataDir = fashionMnistDir,
                Cells = 1,
                Filters = 96,
                LearningRate = 0.025,
                Epochs = 1,
                BatchSize = 64,
                TrainSubset = 2000,
                ValidationSize = 1000,
                Threads = 1,
            }
            : new ChildTrainingSpec
            {
                Dataset = "synthetic",
                Cells = 1,
                Filters = 48,
                LearningRate = 0.025,
                Epochs = 2,
                BatchSize = 32,
                TrainSubset = null,   // every image the validation split leaves (512 - 51)
                ValidationSize = null, // the dataset's default: 10 %
                Threads = 1,
            };
        return new CampaignConfig
        {
            Name = "demo",
            Seed = 1,
            Strategy = new StrategyOptions { Kind = WireEnum.Parse<StrategyKind>(strategy, "--strategy"), BatchSize = 4 },
            Child = child,
            Trainer = new TrainerSettings { Kind = simulated ? TrainerKind.Simulated : TrainerKind.Torch, SecondsPerEpoch = simulated ? 0.5 : 0 },
            Budget = new BudgetSettings { Candidates = candidates },
        };
    }
}
