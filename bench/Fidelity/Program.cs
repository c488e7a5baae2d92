using System.Diagnostics;
using System.Globalization;
using System.Text;
using NasNet.Bench.Fidelity;
using NasNet.Core;
using NasNet.Core.Controller;
using NasNet.Core.Datasets;
using NasNet.Core.Networks;
using NasNet.Core.Runtime;
using NasNet.Core.SearchSpace;
using NasNet.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

// Child-training defaults sweep and fidelity study on Fashion-MNIST (issue 10). See bench/Fidelity/README.md.
//
//   sweep     models x budgets x learning rates x batch sizes x weight decays x seeds, one training each
//   fidelity  R seeded random cells (RandomSearch over CellSearchSpace.Default) + NASNet-A, each trained at the rung
//             budgets (a budget "2000x1+3" trains 1 epoch, records, then resumes from that epoch's checkpoint to 3
//             epochs, as an ASHA promotion does) and under the final protocol; Spearman of every rung's validation
//             accuracy against the final test accuracy, with a bootstrap interval over cells
//   report    the tables of a CSV written earlier (no training)
//
// Every finished training is appended to the CSV at once (--out); a rerun skips the rows already there, so an
// interrupted study continues where it stopped.

var options = Options.Parse(args);
if (options is null)
{
    return 2;
}

var csvPath = options.Out;
var rows = Csv.Load(csvPath);
if (options.Mode == "report")
{
    Report.Print(rows, options);
    return 0;
}

OpenMp.PreferPassiveWait();
TorchRuntime.TuneMalloc();
CpuKernels.DisableNnpack();
if (Environment.GetEnvironmentVariable("NASNET_ONEDNN") != "1")
{
    // oneDNN off, as the product trained when the study's first rows were run; the product now turns it on where its
    // start-up self-test passes (CpuKernels.ConfigureOneDnn). Accuracies do not depend on it, wall and CPU seconds do.
    CpuKernels.DisableOneDnn();
}

torch.set_num_threads(options.Threads);
var data = DatasetCatalog.Load(new DatasetSpec("fashion-mnist", options.DataDir));
var standard = DatasetSplits.Create(data, FashionMnist.DefaultValidationSize, null); // the product's 55k/5k split
var validation = standard.ValidationIndices[..Math.Min(options.ValidationSize, standard.ValidationIndices.Length)];
var testIndices = Enumerable.Range(0, Math.Min(options.TestSize, data.Test.Count)).ToArray();
Console.Error.WriteLine($"fashion-mnist: {standard.TrainIndices.Length} training images available, validation {validation.Length} (the product's held-out split; the demo's 1,000 are its first 1,000), test {testIndices.Length}; torch threads {torch.get_num_threads()}");

var jobs = Plan.Jobs(options);
if (options.DryRun)
{
    foreach (var model in jobs.Select(j => j.Model).Distinct())
    {
        var (p, m) = Runner.Counts(model, data, options);
        Console.WriteLine($"{model,-14} params {p,10:N0}  mult-adds {m,14:N0}");
    }

    Console.WriteLine($"{jobs.Count} trainings, {jobs.Sum(j => (long)j.Budget.Images * j.Rungs[^1]):N0} training images in all");
    return 0;
}

var done = rows.Select(r => r.Key).ToHashSet();
var todo = jobs.Where(j => j.Rungs.Any(e => !done.Contains(j.Key(e)))).ToList();
Console.Error.WriteLine($"{jobs.Count} trainings planned, {jobs.Count - todo.Count} already in {csvPath}, {todo.Count} to run");
var number = 0;
foreach (var job in todo)
{
    number++;
    Console.Error.WriteLine($"[{number}/{todo.Count}] {job.Study} {job.Model} {job.Label} lr {job.Lr.ToString(CultureInfo.InvariantCulture)} batch {job.Batch} wd {job.Wd.ToString(CultureInfo.InvariantCulture)} seed {job.Seed}  (load {Load.Now():0.0})");
    var results = job.Model == Plan.PythonCnn ? [Runner.RunPython(job, options)] : Runner.Run(job, data, standard, validation, testIndices, options);
    foreach (var row in results)
    {
        Csv.Append(csvPath, row);
        rows.Add(row);
        Console.Error.WriteLine($"    epochs {row.Epochs}: {row.Outcome} val {Fmt(row.Val)} (first 1000: {Fmt(row.Val1000)}) test {Fmt(row.Test)}  train {row.TrainSeconds:0.0} s ({row.TrainCpuSeconds:0.0} CPU-s, {row.ImagesPerSecond:0.0} img/s) eval {row.EvalSeconds:0.0} s  load {row.LoadStart:0.0}-{row.LoadEnd:0.0}");
    }
}

Report.Print(rows, options);
return 0;

static string Fmt(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.0000", CultureInfo.InvariantCulture);

namespace NasNet.Bench.Fidelity
{
    /// <summary>Command-line settings of the bench.</summary>
    internal sealed record Options
    {
        public string Mode { get; init; } = "";
        public string Out { get; init; } = "fidelity-results.csv";
        public string? DataDir { get; init; }
        public int Threads { get; init; } = 1;
        public int Cells { get; init; } = 1;
        public int Filters { get; init; } = 96;
        public string[] Models { get; init; } = ["nasnet-a"];
        public Budget[] Budgets { get; init; } = [];
        public double[] Lrs { get; init; } = [];
        public int[] Batches { get; init; } = [64];
        public double[] Wds { get; init; } = [3e-4];
        public int[] Seeds { get; init; } = [1];
        public int Random { get; init; } = 16;
        public long SearchSeed { get; init; } = 1;
        public bool NasNetA { get; init; } = true;
        public Budget? Final { get; init; }
        public double FinalLr { get; init; } = double.NaN;
        public int ValidationSize { get; init; } = 5000;
        public int TestSize { get; init; } = 10000;
        public bool TestAtRungs { get; init; }
        public double Clip { get; init; } = 5.0;
        public double LabelSmoothing { get; init; }
        public int WarmupSteps { get; init; }
        public double Momentum { get; init; } = 0.9;
        public string Optimizer { get; init; } = "sgd";
        public string Python { get; init; } = "/usr/bin/python3";
        public bool DryRun { get; init; }

        private const string Usage = """
            usage: dotnet run --project bench/Fidelity -c Release -- MODE [options]
              MODE: sweep | fidelity | report
              --out FILE            CSV of results, appended per training, rows already there are skipped (fidelity-results.csv)
              --data-dir DIR        Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)
              --threads T           torch threads (1, as a trainer slot)
              --cells N --filters F network size (1, 96)
              --validation-size V   validation images scored, of the product's 5,000 held out (5000); val1000 is always reported too
              --test-size T         test images scored (10000)
              --clip C              gradient-norm clip (5, the product's default; 0 = off)
              --label-smoothing S   (0)
              --warmup W            steps of linear learning-rate warm-up before the cosine (0)
              --momentum M          SGD (Nesterov) momentum (0.9)
              --optimizer O         sgd | adamw (sgd)
              --dry-run             print the models (params, mult-adds) and the planned trainings, train nothing
            sweep:
              --models LIST         nasnet-a, resnet-8, resnet-14, resnet-20, cnn-py (the PyTorch CNN, baseline_cnn.py), random:SEED:I
              --budgets LIST        IMAGESxEPOCHS, e.g. 2000x1,5000x1,10000x2 (2000x1+3: 1 epoch, then resumed to 3, as ASHA)
              --lrs LIST --batches LIST --wds LIST --seeds LIST
            fidelity:
              --random R --search-seed S   R random cells from RandomSearch(CellSearchSpace.Default, S) (16, 1)
              --no-nasnet-a                leave NASNet-A out
              --budgets LIST --lrs LIST    rung budgets and one learning rate per budget
              --final BUDGET --final-lr LR the final protocol (test accuracy scored there)
              --seeds LIST                 seeds (each budget is trained once per seed)
              --test-at-rungs              score the test set at the rungs too
            report: prints the tables of --out (and the fidelity figures with --final BUDGET)
            """;

        public static Options? Parse(string[] args)
        {
            if (args.Length == 0 || args[0] is not ("sweep" or "fidelity" or "report"))
            {
                Console.Error.WriteLine(Usage);
                return null;
            }

            var o = new Options { Mode = args[0] };
            try
            {
                for (var i = 1; i < args.Length; i++)
                {
                    string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                    o = args[i] switch
                    {
                        "--out" => o with { Out = Next() },
                        "--data-dir" => o with { DataDir = Next() },
                        "--threads" => o with { Threads = int.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--cells" => o with { Cells = int.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--filters" => o with { Filters = int.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--models" => o with { Models = Next().Split(',', StringSplitOptions.RemoveEmptyEntries) },
                        "--budgets" => o with { Budgets = Next().Split(',').Select(Budget.Parse).ToArray() },
                        "--lrs" => o with { Lrs = Doubles(Next()) },
                        "--batches" => o with { Batches = Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() },
                        "--wds" => o with { Wds = Doubles(Next()) },
                        "--seeds" => o with { Seeds = Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() },
                        "--random" => o with { Random = int.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--search-seed" => o with { SearchSeed = long.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--no-nasnet-a" => o with { NasNetA = false },
                        "--final" => o with { Final = Budget.Parse(Next()) },
                        "--final-lr" => o with { FinalLr = double.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--validation-size" => o with { ValidationSize = int.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--test-size" => o with { TestSize = int.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--test-at-rungs" => o with { TestAtRungs = true },
                        "--clip" => o with { Clip = double.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--label-smoothing" => o with { LabelSmoothing = double.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--warmup" => o with { WarmupSteps = int.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--momentum" => o with { Momentum = double.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--optimizer" => o with { Optimizer = Next() },
                        "--python" => o with { Python = Next() },
                        "--dry-run" => o with { DryRun = true },
                        _ => throw new FormatException($"unknown option '{args[i]}'"),
                    };
                }

                if (o.Mode == "sweep" && (o.Budgets.Length == 0 || o.Lrs.Length == 0))
                {
                    throw new FormatException("sweep needs --budgets and --lrs");
                }

                if (o.Mode == "fidelity" && (o.Budgets.Length != o.Lrs.Length || o.Final is null || double.IsNaN(o.FinalLr)))
                {
                    throw new FormatException("fidelity needs --budgets with one --lrs value each, --final and --final-lr");
                }
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                Console.Error.WriteLine(Usage);
                return null;
            }

            return o;
        }

        private static double[] Doubles(string s) => s.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>A training budget: images (the first K of the product's training split) and rung epochs.</summary>
    /// <param name="Images">Training images.</param>
    /// <param name="Rungs">Epoch counts; more than one: each continues from the previous one's checkpoint (ASHA).</param>
    internal sealed record Budget(int Images, int[] Rungs)
    {
        public string Label => $"{Images}x{string.Join('+', Rungs)}";

        public static Budget Parse(string s)
        {
            var parts = s.Trim().Split('x');
            if (parts.Length != 2)
            {
                throw new FormatException($"budget '{s}' is not IMAGESxEPOCHS[+EPOCHS...]");
            }

            var rungs = parts[1].Split('+').Select(e => int.Parse(e, CultureInfo.InvariantCulture)).ToArray();
            if (rungs.Any(e => e < 1) || rungs.Zip(rungs.Skip(1)).Any(p => p.Second <= p.First))
            {
                throw new FormatException($"budget '{s}': epochs must be positive and increasing");
            }

            return new Budget(int.Parse(parts[0], CultureInfo.InvariantCulture), rungs);
        }

        public override string ToString() => Label;
    }

    /// <summary>One training (a chain of rungs when the budget has several).</summary>
    internal sealed record Job(string Study, string Model, Budget Budget, double Lr, int Batch, double Wd, int Seed, bool Test)
    {
        public string Label => Budget.Label;

        public int[] Rungs => Budget.Rungs;

        public string Key(int epochs) => string.Create(CultureInfo.InvariantCulture, $"{Study}|{Model}|{Label}|{epochs}|{Lr}|{Batch}|{Wd}|{Seed}");
    }

    /// <summary>The trainings a mode asks for.</summary>
    internal static class Plan
    {
        public const string PythonCnn = "cnn-py";

        public static List<Job> Jobs(Options o)
        {
            var jobs = new List<Job>();
            if (o.Mode == "sweep")
            {
                foreach (var budget in o.Budgets)
                {
                    foreach (var model in o.Models)
                    {
                        foreach (var lr in o.Lrs)
                        {
                            foreach (var batch in o.Batches)
                            {
                                foreach (var wd in o.Wds)
                                {
                                    foreach (var seed in o.Seeds)
                                    {
                                        jobs.Add(new Job("sweep", model, budget, lr, batch, wd, seed, true));
                                    }
                                }
                            }
                        }
                    }
                }

                return jobs;
            }

            // Cell by cell (its rungs, then its final training), so that a study stopped early has complete cells.
            foreach (var seed in o.Seeds)
            {
                foreach (var m in FidelityModels(o))
                {
                    for (var b = 0; b < o.Budgets.Length; b++)
                    {
                        jobs.Add(new Job("fidelity", m, o.Budgets[b], o.Lrs[b], o.Batches[0], o.Wds[0], seed, o.TestAtRungs));
                    }

                    jobs.Add(new Job("fidelity", m, o.Final!, o.FinalLr, o.Batches[0], o.Wds[0], seed, true));
                }
            }

            return jobs;
        }

        public static List<string> FidelityModels(Options o)
        {
            var models = Enumerable.Range(0, o.Random).Select(i => $"random:{o.SearchSeed}:{i}").ToList();
            if (o.NasNetA)
            {
                models.Insert(0, "nasnet-a");
            }

            return models;
        }

        /// <summary>The genotype of a model name (null for a reference network).</summary>
        public static Genotype? GenotypeOf(string model)
        {
            if (model == "nasnet-a")
            {
                return Genotypes.NasNetA;
            }

            if (model.StartsWith("random:", StringComparison.Ordinal))
            {
                var parts = model.Split(':');
                var seed = long.Parse(parts[1], CultureInfo.InvariantCulture);
                var index = int.Parse(parts[2], CultureInfo.InvariantCulture);
                using var search = new RandomSearch(CellSearchSpace.Default, seed);
                Proposal p = search.Propose();
                for (var i = 0; i < index; i++)
                {
                    p = search.Propose();
                }

                return p.Genotype;
            }

            if (model.StartsWith("genotype:", StringComparison.Ordinal))
            {
                return GenotypeJson.Load(model["genotype:".Length..]);
            }

            return ReferenceNetworks.IsReference(model) ? null : throw new FormatException($"unknown model '{model}'");
        }
    }

    /// <summary>Trains one job with the product's <see cref="ChildTrainer"/> and scores it.</summary>
    internal static class Runner
    {
        /// <summary>baseline_cnn.py's convolutions (16-16-pool-32-32-pool) and classifier on 28x28x1.</summary>
        private const long PythonCnnMultAdds = 9L * 1 * 16 * 784 + 9L * 16 * 16 * 784 + 9L * 16 * 32 * 196 + 9L * 32 * 32 * 196 + 1568L * 10;

        /// <summary>Params and mult-adds of a model at the bench's network size (F rounded to the cell's width, as the product does).</summary>
        public static (long Params, long MultAdds) Counts(string model, LoadedDataset data, Options o)
        {
            if (model == Plan.PythonCnn)
            {
                return (32_250, PythonCnnMultAdds);
            }

            var genotype = Plan.GenotypeOf(model);
            if (genotype is null)
            {
                using var probe = ReferenceNetworks.Build(model, data.Channels, data.Classes);
                return (probe.ParameterCount(), probe.MultAdds(data.ImageSize));
            }

            var counts = ArchitectureStats.Count(genotype, TorchCandidateTrainer.NetworkFor(genotype, new ChildTrainingSpec { Cells = o.Cells, Filters = o.Filters }, data));
            return (counts.Params, counts.MultAdds);
        }

        public static List<Row> Run(Job job, LoadedDataset data, DatasetSplits standard, int[] validation, int[] test, Options o)
        {
            var genotype = Plan.GenotypeOf(job.Model);
            var baseSpec = new ChildTrainingSpec
            {
                Dataset = "fashion-mnist",
                Cells = o.Cells,
                Filters = o.Filters,
                BatchSize = job.Batch,
                LearningRate = job.Lr,
                WeightDecay = job.Wd,
                GradientClipNorm = o.Clip,
                LabelSmoothing = o.LabelSmoothing,
                WarmupSteps = o.WarmupSteps,
                Momentum = o.Momentum,
                Optimizer = o.Optimizer,
                TrainSubset = job.Budget.Images,
                Threads = o.Threads,
            };
            long parameters, multAdds;
            Func<TrainableModel> build;
            string arch;
            if (genotype is not null)
            {
                var config = TorchCandidateTrainer.NetworkFor(genotype, baseSpec, data);
                var counts = ArchitectureStats.Count(genotype, config);
                (parameters, multAdds) = (counts.Params, counts.MultAdds);
                build = () =>
                {
                    var net = new ChildNetwork(genotype, config);
                    return new TrainableModel(net, net.SetDropPathProgress, () => net.AuxLogits);
                };
                arch = GenotypeJson.SerializeCompact(genotype);
            }
            else
            {
                using (var probe = ReferenceNetworks.Build(job.Model, data.Channels, data.Classes))
                {
                    (parameters, multAdds) = (probe.ParameterCount(), probe.MultAdds(data.ImageSize));
                }

                build = () => new TrainableModel(ReferenceNetworks.Build(job.Model, data.Channels, data.Classes));
                arch = job.Model;
            }

            // The first K images of the product's training split, as --limit-train K takes them. The trainer gets no
            // validation indices: this bench scores validation and test itself, per image, after training.
            var train = standard.TrainIndices[..Math.Min(job.Budget.Images, standard.TrainIndices.Length)];
            var splits = new DatasetSplits(data, train, []);
            var rows = new List<Row>();
            byte[]? checkpoint = null;
            var previousEpochs = 0;
            foreach (var epochs in job.Rungs)
            {
                var spec = baseSpec with { Epochs = epochs };
                var trainer = new ChildTrainer(spec, splits, CPU, job.Seed, "bench|" + job.Key(0));
                var loadStart = Load.Now();
                var wall = Stopwatch.StartNew();
                var cpuStart = Cpu.Seconds();
                double val = double.NaN, val1000 = double.NaN, testAcc = double.NaN, evalSeconds = 0, evalCpu = 0, trainSeconds = 0, trainCpu = 0;
                var last = epochs == job.Rungs[^1];
                var run = trainer.Run(
                    build,
                    checkpoint,
                    (_, bytes) => checkpoint = bytes,
                    null,
                    CancellationToken.None,
                    model =>
                    {
                        trainSeconds = wall.Elapsed.TotalSeconds;
                        trainCpu = Cpu.Seconds() - cpuStart;
                        var evalClock = Stopwatch.StartNew();
                        var evalCpuStart = Cpu.Seconds();
                        var correct = Score(model.Module, data, data.Train, validation);
                        val = correct.Average();
                        val1000 = correct.Take(1000).Average();
                        if (job.Test || last && job.Study == "sweep")
                        {
                            testAcc = Score(model.Module, data, data.Test, test).Average();
                        }

                        evalSeconds = evalClock.Elapsed.TotalSeconds;
                        evalCpu = Cpu.Seconds() - evalCpuStart;
                    });
                if (run.Outcome != TrainingOutcome.Completed)
                {
                    trainSeconds = wall.Elapsed.TotalSeconds;
                    trainCpu = Cpu.Seconds() - cpuStart;
                }

                TorchRuntime.ReleaseFreeMemory();
                var trainedImages = (long)(epochs - previousEpochs) * train.Length;
                rows.Add(new Row(
                    job.Key(epochs), job.Study, job.Model, arch, parameters, multAdds, job.Budget.Images, epochs, job.Label, job.Lr, job.Batch, job.Wd, job.Seed,
                    run.Outcome == TrainingOutcome.Completed ? "completed" : "diverged", val1000, val, testAcc,
                    trainSeconds, trainCpu, evalSeconds, evalCpu, trainedImages / Math.Max(1e-9, trainSeconds), loadStart, Load.Now(),
                    DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)));
                previousEpochs = epochs;
                if (run.Outcome != TrainingOutcome.Completed)
                {
                    break;
                }
            }

            return rows;
        }

        /// <summary>Per-image correctness in eval mode (batch 256; BatchNorm uses its running statistics, so the batch size does not change the result).</summary>
        private static double[] Score(torch.nn.Module<Tensor, Tensor> model, LoadedDataset data, ImageSet set, int[] indices)
        {
            var loader = new BatchLoader(data, set);
            model.eval();
            var correct = new double[indices.Length];
            using (no_grad())
            {
                for (var start = 0; start < indices.Length; start += 256)
                {
                    using var scope = NewDisposeScope();
                    var count = Math.Min(256, indices.Length - start);
                    var (x, y) = loader.Batch(indices, start, count, CPU);
                    var hits = model.call(x).argmax(1).eq(y).to(ScalarType.Float64).data<double>().ToArray();
                    hits.CopyTo(correct, start);
                }
            }

            return correct;
        }

        /// <summary>The PyTorch CNN (baseline_cnn.py): same optimizer family, its own data order; validation is its own first 5,000 of the file.</summary>
        public static Row RunPython(Job job, Options o)
        {
            if (job.Rungs.Length != 1)
            {
                throw new FormatException($"cnn-py trains one rung only: give it a budget like 5000x2, not {job.Label}");
            }

            var script = Path.Combine(AppContext.BaseDirectory, "baseline_cnn.py");
            var psi = new ProcessStartInfo(o.Python)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in new[]
                     {
                         script, "fashion-mnist", o.DataDir ?? FashionMnist.DebianPackageDir, "--limit", job.Budget.Images.ToString(CultureInfo.InvariantCulture),
                         "--epochs", job.Rungs[0].ToString(CultureInfo.InvariantCulture), "--lr", job.Lr.ToString(CultureInfo.InvariantCulture),
                         "--batch", job.Batch.ToString(CultureInfo.InvariantCulture), "--seed", job.Seed.ToString(CultureInfo.InvariantCulture), "--threads", o.Threads.ToString(CultureInfo.InvariantCulture),
                     })
            {
                psi.ArgumentList.Add(a);
            }

            if (Math.Abs(job.Wd - 3e-4) > 1e-12)
            {
                Console.Error.WriteLine("    note: baseline_cnn.py always uses weight decay 3e-4");
            }

            var loadStart = Load.Now();
            var wall = Stopwatch.StartNew();
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEnd();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            var seconds = wall.Elapsed.TotalSeconds;
            // "baseline cnn: test accuracy 0.7783, validation accuracy 0.7906, train seconds 16.7, params 32250, ..."
            double Field(string name)
            {
                var at = stdout.IndexOf(name, StringComparison.Ordinal);
                if (at < 0)
                {
                    throw new InvalidOperationException($"baseline_cnn.py printed no '{name}': {stdout} {stderr}");
                }

                var rest = stdout[(at + name.Length)..].TrimStart();
                var end = rest.IndexOfAny([',', ' ', '\n']);
                return double.Parse(end < 0 ? rest : rest[..end], CultureInfo.InvariantCulture);
            }

            var trainSeconds = Field("train seconds");
            return new Row(
                job.Key(job.Rungs[0]), job.Study, job.Model, "baseline_cnn.py", (long)Field("params"), PythonCnnMultAdds, job.Budget.Images, job.Rungs[0], job.Label, job.Lr, job.Batch, job.Wd, job.Seed,
                "completed", double.NaN, Field("validation accuracy"), Field("test accuracy"), trainSeconds, Field("train cpu seconds"), seconds - trainSeconds, double.NaN,
                (double)job.Budget.Images * job.Rungs[0] / Math.Max(1e-9, trainSeconds), loadStart, Load.Now(),
                DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>One scored training (one rung of a job).</summary>
    internal sealed record Row(
        string Key, string Study, string Model, string Arch, long Params, long MultAdds, int Images, int Epochs, string Budget, double Lr, int Batch, double Wd, int Seed,
        string Outcome, double Val1000, double Val, double Test, double TrainSeconds, double TrainCpuSeconds, double EvalSeconds, double EvalCpuSeconds,
        double ImagesPerSecond, double LoadStart, double LoadEnd, string FinishedUtc);

    /// <summary>The results file: one header line, then one line per row; fields with commas or quotes are quoted.</summary>
    internal static class Csv
    {
        public const string Header = "key,study,model,arch,params,mult_adds,images,epochs,budget,lr,batch,wd,seed,outcome,val1000,val,test,train_s,train_cpu_s,eval_s,eval_cpu_s,img_per_s,load_start,load_end,finished_utc";

        public static List<Row> Load(string path)
        {
            var rows = new List<Row>();
            if (!File.Exists(path))
            {
                return rows;
            }

            foreach (var line in File.ReadLines(path).Skip(1).Where(l => l.Length > 0))
            {
                var f = Split(line);
                double D(int i) => f[i].Length == 0 ? double.NaN : double.Parse(f[i], CultureInfo.InvariantCulture);
                int I(int i) => int.Parse(f[i], CultureInfo.InvariantCulture);
                long L(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
                rows.Add(new Row(f[0], f[1], f[2], f[3], L(4), L(5), I(6), I(7), f[8], D(9), I(10), D(11), I(12), f[13], D(14), D(15), D(16), D(17), D(18), D(19), D(20), D(21), D(22), D(23), f[24]));
            }

            return rows;
        }

        public static void Append(string path, Row r)
        {
            var header = !File.Exists(path);
            using var w = new StreamWriter(path, append: true);
            if (header)
            {
                w.WriteLine(Header);
            }

            w.WriteLine(Line(r));
        }

        public static string Line(Row r) => string.Join(',', new object[]
        {
            r.Key, r.Study, r.Model, r.Arch, r.Params, r.MultAdds, r.Images, r.Epochs, r.Budget, r.Lr, r.Batch, r.Wd, r.Seed, r.Outcome,
            N(r.Val1000), N(r.Val), N(r.Test), N(r.TrainSeconds), N(r.TrainCpuSeconds), N(r.EvalSeconds), N(r.EvalCpuSeconds), N(r.ImagesPerSecond),
            N(r.LoadStart), N(r.LoadEnd), r.FinishedUtc,
        }.Select(v => Quote(Convert.ToString(v, CultureInfo.InvariantCulture) ?? "")));

        private static string N(double v) => double.IsNaN(v) ? "" : Math.Round(v, 5).ToString(CultureInfo.InvariantCulture);

        private static string Quote(string s) => s.IndexOfAny([',', '"', '\n']) < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

        private static List<string> Split(string line)
        {
            var fields = new List<string>();
            var sb = new StringBuilder();
            var quoted = false;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                    {
                        sb.Append('"');
                        i++;
                    }
                    else if (c == '"')
                    {
                        quoted = false;
                    }
                    else
                    {
                        sb.Append(c);
                    }
                }
                else if (c == '"')
                {
                    quoted = true;
                }
                else if (c == ',')
                {
                    fields.Add(sb.ToString());
                    sb.Clear();
                }
                else
                {
                    sb.Append(c);
                }
            }

            fields.Add(sb.ToString());
            return fields;
        }
    }

    /// <summary>The 1-minute load average (/proc/loadavg), NaN where there is none.</summary>
    internal static class Load
    {
        public static double Now()
        {
            try
            {
                return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return double.NaN;
            }
        }
    }

    /// <summary>CPU seconds of this process (all threads): on a shared machine a fairer cost than wall time.</summary>
    internal static class Cpu
    {
        public static double Seconds()
        {
            using var p = Process.GetCurrentProcess();
            return p.TotalProcessorTime.TotalSeconds;
        }
    }
}
