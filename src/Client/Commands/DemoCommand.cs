using System.CommandLine;
using NasNet.Core;
using NasNet.Core.Campaigns;
using NasNet.Core.Controller;
using NasNet.Core.Training;

using CampaignState = NasNet.Grains.Interfaces.CampaignState;

namespace NasNet.Client.Commands;

/// <summary>
/// `nasnet demo`: an embedded silo in this process runs a small real campaign (torch trainer on Fashion-MNIST when
/// installed, else the synthetic set): an ASHA search, then the final evaluation of the best cell against NASNet-A, a
/// random cell and ResNet-8, with live progress; prints the leaderboard and the final table and writes the export.
/// Measured: 1,873 CPU-s (about 15 min on an idle 2-core machine; bench/RESULTS.md, "Child training").
/// </summary>
public static class DemoCommand
{
    /// <summary>Where the Debian package dataset-fashion-mnist installs its files.</summary>
    public const string FashionMnistDir = "/usr/share/datasets/fashion-mnist";

    public static Command Create()
    {
        var candidates = new Option<int>("--candidates") { Description = "architectures to evaluate", DefaultValueFactory = _ => 9 };
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
        // Child training at the demo's budget: batch 16, lr 0.1 (bench/RESULTS.md, "Child training": NASNet-A N=1 F=96 on
        // 2,000 images x 1 epoch scores 0.73 test with these, 0.57 at batch 64 lr 0.1 and 0.29 at batch 64 lr 0.01).
        var child = fashion
            ? new ChildTrainingSpec
            {
                Dataset = "fashion-mnist",
                DataDir = fashionMnistDir,
                Cells = 1,
                Filters = 96,
                LearningRate = 0.1,
                BatchSize = 16,
                TrainSubset = 2000,
                ValidationSize = 1000,
                Threads = 1,
            }
            : new ChildTrainingSpec
            {
                Dataset = "synthetic",
                Cells = 1,
                Filters = 48,
                LearningRate = 0.05,
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
            // ASHA: every candidate 1 epoch, the top third continues from its checkpoint to 3.
            Schedule = new ScheduleSettings { Kind = ScheduleKind.Asha, MinEpochs = 1, MaxEpochs = 3, Eta = 3 },
            // Then the paper's protocol, small: the best found cell retrained from scratch on more data beside NASNet-A,
            // a random cell and ResNet-8, every row under the same protocol, test accuracy reported.
            Final = new FinalSettings
            {
                Top = 1,
                RandomCells = 1,
                Seeds = 1,
                Epochs = 1,
                TrainSubset = fashion ? 5000 : null,
                Reference = "resnet-8",
                MatchReferenceParams = false,
                NasNetA = true,
            },
        };
    }
}
