using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using NasNet.Core;
using NasNet.Core.Datasets;
using NasNet.Core.Runtime;
using NasNet.Core.SearchSpace;
using NasNet.Core.Training;
using Spectre.Console;
using TorchSharp;

using TrainingOutcome = NasNet.Core.Training.TrainingOutcome;

namespace NasNet.Client.Commands;

/// <summary>
/// <c>nasnet arch train</c>: trains one architecture on a dataset, with a progress bar (plain lines when output is
/// redirected), and prints validation and test accuracy; with <c>--json</c> the last stdout line is one JSON object.
/// </summary>
public static class ArchTrainCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var defaults = new ChildTrainingSpec();
        var preset = new Option<string?>("--preset") { Description = "Published cell: nasnet-a (default when no --genotype)" };
        var genotype = new Option<string?>("--genotype") { Description = "Genotype JSON file" };
        var dataset = new Option<string>("--dataset") { Description = "fashion-mnist | cifar10 | folder:PATH | synthetic", Required = true };
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder of the dataset files (CIFAR-10: download cache); default: the dataset's usual place" };
        var config = new Option<string>("--config") { Description = "Macro skeleton: cifar | mobile | large", DefaultValueFactory = _ => defaults.Network };
        var cells = new Option<int>("--cells") { Description = "N, normal cells per stage", DefaultValueFactory = _ => defaults.Cells };
        var filters = new Option<int>("--filters") { Description = "F of \"N @ F\": filters of the penultimate layer", DefaultValueFactory = _ => defaults.Filters };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => defaults.Epochs };
        var batch = new Option<int>("--batch-size") { Description = "Images per step", DefaultValueFactory = _ => defaults.BatchSize };
        var limit = new Option<int?>("--limit-train") { Description = "Train on at most K images (after the validation hold-out)" };
        var validation = new Option<int?>("--validation-size") { Description = "Held-out validation images (default: 5000 for CIFAR-10 and Fashion-MNIST, else 10%)" };
        var imageSize = new Option<int?>("--image-size") { Description = "Image folders and synthetic data: images per side" };
        var lr = new Option<double>("--lr") { Description = "Initial learning rate (cosine decay to 0)", DefaultValueFactory = _ => defaults.LearningRate };
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay", DefaultValueFactory = _ => defaults.WeightDecay };
        var dropPath = new Option<double>("--drop-path-keep") { Description = "ScheduledDropPath final keep probability (1 = off)", DefaultValueFactory = _ => defaults.DropPathKeepProb };
        var aux = new Option<bool>("--aux") { Description = "Train with the auxiliary head (loss weight 0.4)" };
        var smoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing (0 = off)", DefaultValueFactory = _ => defaults.LabelSmoothing };
        var crop = new Option<int?>("--crop") { Description = "Random crop: zero padding in pixels on each side, then crop back (0 = off; default: the dataset's, 4 on CIFAR-10, else 0)" };
        var flip = new Option<bool?>("--flip") { Description = "Random left-right flips: --flip or --flip false (default: the dataset's, on for CIFAR-10 only)" };
        var cutout = new Option<int?>("--cutout") { Description = "Cutout square side in pixels (0 = off, the default)" };
        var noAugment = new Option<bool>("--no-augment") { Description = "Start from no augmentation instead of the dataset's default (--crop/--flip/--cutout still apply)" };
        var unreadable = new Option<string>("--unreadable") { Description = "Image folders: skip | reject unreadable images", DefaultValueFactory = _ => defaults.UnreadableImages };
        var seed = new Option<int>("--seed") { Description = "Seed of weights, data order and augmentation", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "Torch CPU threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda", DefaultValueFactory = _ => "auto" };
        var weightsOut = new Option<string?>("--save-weights") { Description = "Write the trained weights (TorchSharp state_dict) to this file" };
        var json = new Option<bool>("--json") { Description = "Last stdout line: one JSON object with the results" };

        var command = new Command("train", "Train one architecture on a dataset and print validation and test accuracy");
        foreach (var o in new Option[] { preset, genotype, dataset, dataDir, config, cells, filters, epochs, batch, limit, validation, imageSize, lr, weightDecay, dropPath, aux, smoothing, crop, flip, cutout, noAugment, unreadable, seed, threads, device, weightsOut, json })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, ct) =>
        {
            var datasetRef = DatasetRef.Parse(parse.GetValue(dataset), "--dataset");
            // Augmentation is the user's choice: the dataset's documented default (or none), each given option replacing its part.
            var start = parse.GetValue(noAugment) ? Augmentation.None : Augmentation.DefaultFor(datasetRef.Kind);
            var augment = new Augmentation(parse.GetValue(crop) ?? start.Crop, parse.GetValue(flip) ?? start.Flip, parse.GetValue(cutout) ?? start.Cutout);
            ConfigCheck.Range("--crop", augment.Crop, 0, 512);
            ConfigCheck.Range("--cutout", augment.Cutout, 0, 1024);
            var spec = new ChildTrainingSpec
            {
                Dataset = datasetRef,
                DataDir = parse.GetValue(dataDir),
                Network = parse.GetValue(config)!,
                Cells = parse.GetValue(cells),
                Filters = parse.GetValue(filters),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                TrainSubset = parse.GetValue(limit),
                ValidationSize = parse.GetValue(validation),
                ImageSize = parse.GetValue(imageSize),
                LearningRate = parse.GetValue(lr),
                WeightDecay = parse.GetValue(weightDecay),
                DropPathKeepProb = parse.GetValue(dropPath),
                AuxHead = parse.GetValue(aux),
                LabelSmoothing = parse.GetValue(smoothing),
                Augment = augment,
                UnreadableImages = parse.GetValue(unreadable)!,
                EvaluateTest = true,
                Threads = parse.GetValue(threads),
                Device = parse.GetValue(device)!,
                KeepWeights = parse.GetValue(weightsOut) is not null,
            };
            var g = LoadGenotype(parse.GetValue(preset), parse.GetValue(genotype));
            return Task.FromResult(Run(g, spec, parse.GetValue(seed), parse.GetValue(weightsOut), parse.GetValue(json), ct));
        });
        return command;
    }

    private static Genotype LoadGenotype(string? preset, string? file)
    {
        if (preset is not null && file is not null)
        {
            throw new UserErrorException("give either --preset or --genotype, not both");
        }

        return file is not null ? GenotypeJson.Load(file) : Genotypes.Preset(preset ?? "nasnet-a");
    }

    private static int Run(Genotype genotype, ChildTrainingSpec spec, int seed, string? weightsPath, bool json, CancellationToken ct)
    {
        OpenMp.PreferPassiveWait(); // before libtorch loads: see OpenMp
        TorchRuntime.TuneMalloc();
        if (spec.Threads < 1)
        {
            throw new UserErrorException($"--threads {spec.Threads} must be at least 1");
        }

        var log = json ? Console.Error : Console.Out;
        var trainer = new TorchCandidateTrainer();
        var data = DatasetCatalog.Load(TorchCandidateTrainer.DatasetOf(spec));
        foreach (var skipped in data.SkippedFiles)
        {
            Console.Error.WriteLine($"warning: skipped unreadable image '{skipped}'");
        }

        var splits = DatasetSplits.Create(data, spec.ValidationSize, spec.TrainSubset);
        var config = TorchCandidateTrainer.NetworkFor(genotype, spec, data, exactFilters: true);
        var dev = TorchRuntime.ChooseDevice(spec.Device);
        torch.set_num_threads(spec.Threads);
        log.WriteLine($"{data.Name}: {splits.TrainIndices.Length} training, {splits.ValidationIndices.Length} validation, {data.Test.Count} test images of {data.Channels}x{data.ImageSize}x{data.ImageSize}, {data.Classes} classes");
        log.WriteLine($"network: {config.Cells} @ {spec.Filters} ({config.Network()}), device {TorchRuntime.Describe(dev)}");
        log.WriteLine($"augmentation: {spec.EffectiveAugmentation}{(spec.EffectiveAugmentation == Augmentation.DefaultFor(spec.Dataset.Kind) ? $" ({WireEnum.Name(spec.Dataset.Kind)} default)" : "")}");

        var job = new CandidateJob("cli", genotype, spec, seed);
        var clock = Stopwatch.StartNew();
        var interactive = !json && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        CandidateResult result;
        if (interactive)
        {
            result = null!;
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("training", maxValue: 1);
                    var progress = new InlineProgress(p =>
                    {
                        task.Value = ((p.Epoch - 1) + (double)p.Step / p.Steps) / p.Epochs;
                        task.Description = $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:0.000} {p.ImagesPerSecond:0} img/s";
                        if (p.Epoch == p.Epochs && p.Step == p.Steps)
                        {
                            task.Description = "evaluating";
                        }
                    });
                    result = trainer.Train(job, null, (_, _) => { }, progress, ct);
                    task.Value = 1;
                });
        }
        else
        {
            var lastLine = Stopwatch.StartNew();
            var progress = new InlineProgress(p =>
            {
                if (p.Step == p.Steps || lastLine.Elapsed.TotalSeconds >= 10)
                {
                    lastLine.Restart();
                    log.WriteLine($"epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.Steps} loss {p.Loss:0.0000} {p.ImagesPerSecond:0.0} img/s rss {Environment.WorkingSet >> 20} MB");
                }
            });
            result = trainer.Train(job, null, (_, _) => { }, progress, ct);
        }

        if (weightsPath is not null && result.Weights is { } weights)
        {
            File.WriteAllBytes(weightsPath, weights);
            log.WriteLine($"weights written to {weightsPath} ({weights.Length} bytes)");
        }

        if (result.Outcome == TrainingOutcome.Diverged)
        {
            log.WriteLine($"training diverged: {result.Reason}");
        }
        else
        {
            log.WriteLine($"validation accuracy {result.ValidationAccuracy:P2}, test accuracy {(result.TestAccuracy is { } t ? t.ToString("P2") : "n/a (no test set)")}");
        }

        log.WriteLine($"params {result.Params:N0}, mult-adds {result.MultAdds:N0}, {result.Seconds:0.0} s, {result.ImagesPerSecond:0.0} img/s training, latency {result.LatencyMs:0.00} ms, {result.ThroughputImagesPerSecond:0} img/s inference (batch {InferenceBenchmark.ThroughputBatch(dev)})");
        if (json)
        {
            var o = new JsonObject
            {
                ["outcome"] = result.Outcome == TrainingOutcome.Completed ? "completed" : "diverged",
                ["validationAccuracy"] = result.ValidationAccuracy,
                ["testAccuracy"] = result.TestAccuracy,
                ["params"] = result.Params,
                ["multAdds"] = result.MultAdds,
                ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 3),
                ["trainingSeconds"] = Math.Round(result.Seconds, 3),
                ["imagesPerSecond"] = Math.Round(result.ImagesPerSecond, 2),
                ["latencyMs"] = Math.Round(result.LatencyMs, 3),
                ["throughputImagesPerSecond"] = Math.Round(result.ThroughputImagesPerSecond, 2),
                ["epochs"] = result.Epochs,
                ["dataset"] = data.Name,
                ["augmentation"] = spec.EffectiveAugmentation.ToString(),
                ["trainImages"] = splits.TrainIndices.Length,
                ["validationImages"] = splits.ValidationIndices.Length,
                ["testImages"] = data.Test.Count,
                ["device"] = dev.ToString(),
                ["threads"] = torch.get_num_threads(),
                ["reason"] = result.Reason,
            };
            Console.Out.WriteLine(o.ToJsonString());
        }

        return result.Outcome == TrainingOutcome.Completed ? 0 : 3;
    }

    private static string Network(this Core.Networks.NetworkConfig c) =>
        $"{c.Stem} stem, {c.NumConvFilters} filters in stage 1, {c.ImageSize}px x {c.InChannels}ch, {c.Classes} classes{(c.AuxHead ? ", aux head" : "")}";

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class InlineProgress(Action<EpochProgress> report) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => report(value);
    }
}
