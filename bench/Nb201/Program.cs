using System.Diagnostics;
using System.Globalization;
using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;
using NasNet.Core.Tabular;
using NasNet.Core.Training;
using TorchSharp;

// NAS-Bench-201 replay (bench/RESULTS.md, "NAS-Bench-201"): the benchmark paper's protocol (Dong & Yang, ICLR 2020,
// §6 / Table 5) with our strategies. Each run searches CIFAR-10 with reward cifar10_valid_12 for a budget of 100
// evaluations (one candidate at a time; every proposal counts, repeats included, as a query does in the paper), keeps
// the cell with the best reward seen and reports its cifar10_test_200 / cifar100_test_200 / imagenet16_test_200.
// Mean ± std over 500 runs (seeds 0..499) per strategy, beside the published numbers. A sample of runs also goes the
// product's way (architecture text -> SearchSpaces.Parse -> CandidateJob -> TabularTrainer.Train, the strategy saved
// and restored every 10 rewards) and must give identical choices.
// Usage: dotnet run --project bench/Nb201 -c Release -- [--runs 500] [--budget 100] [--seed 0] [--parallel 2]
//        [--table data/nb201/nb201.csv] [--product-runs 20] [--only random,evolution,ppo-paper,ppo-tuned]
//        [--sweep] [--sweep-runs 100] [--ppo lr=0.02,batch=10,epochs=4,hidden=100,normalize=true,entropy=1e-5,decay=0.95,clip=0.2]
var opts = Args.Parse(args);
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
torch.set_num_threads(1); // the controller's tensors are tiny; runs go in parallel instead

var space = Nb201SearchSpace.Instance;
var load = Stopwatch.StartNew();
var trainer = new TabularTrainer(TabularTable.Load(opts.Table, "arch", space));
var optimum = trainer.Table.Keys.Max(k => trainer.Lookup(space.Parse(k)).Test!.Value) * 100;
Console.WriteLine($"table {opts.Table}: {trainer.Table.Count} cells, loaded in {load.Elapsed.TotalSeconds:F1} s; best cifar10_test_200 {optimum:F2}");
Console.WriteLine(opts.Sweep
    ? $"protocol: reward cifar10_valid_12, {opts.Budget} evaluations, best reward seen, {opts.SweepRuns} runs per setting (tuning seeds 1000000..{1_000_000 + opts.SweepRuns - 1}), {opts.Parallel} runs in parallel, 1 torch thread"
    : $"protocol: reward cifar10_valid_12, {opts.Budget} evaluations, best reward seen, {opts.Runs} runs (seeds {opts.Seed}..{opts.Seed + opts.Runs - 1}), {opts.Parallel} runs in parallel, 1 torch thread");

if (opts.Sweep)
{
    Sweep(opts, trainer, space);
    return;
}

// Published: Table 5 of the NAS-Bench-201 paper (CIFAR-10 test, CIFAR-100 test, ImageNet16-120 test; mean ± std).
var rs = new Published("RS", 93.70, 0.36, 71.04, 44.57);
var rea = new Published("REA", 93.92, 0.30, 71.84, 45.54);
var reinforce = new Published("REINFORCE", 93.85, 0.37, 71.71, 45.24);
var strategies = new (string Key, string Name, StrategyOptions Options, Published Paper)[]
{
    ("random", "random", new StrategyOptions { Kind = StrategyKind.Random }, rs),
    ("evolution", "evolution (population 10, tournament 3)", new StrategyOptions { Kind = StrategyKind.Evolution, Population = 10, Tournament = 3 }, rea),
    ("ppo-paper", "ppo, paper NASNet settings (lr 0.00035, batch 20)", new StrategyOptions { Kind = StrategyKind.Ppo }, reinforce),
    ("ppo-tuned", $"ppo, tuned for {opts.Budget} evaluations ({Describe(Tuned)})", Tuned, reinforce),
};

var rows = new List<string>();
var checks = new List<string>();
foreach (var (key, name, options, paper) in strategies)
{
    if (opts.Only is { } only && !only.Contains(key))
    {
        continue;
    }

    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var wall = Stopwatch.StartNew();
    var runs = RunMany(options, trainer, space, opts.Budget, opts.Seed, opts.Runs, opts.Parallel);
    var seconds = wall.Elapsed.TotalSeconds;
    var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    var c10 = Stats(runs.Select(r => r.Cifar10));
    var c100 = Stats(runs.Select(r => r.Cifar100));
    var img = Stats(runs.Select(r => r.ImageNet16));
    var product = Enumerable.Range(0, Math.Min(opts.ProductRuns, opts.Runs))
        .Count(r => RunProduct(options, trainer, space, opts.Budget, opts.Seed + r) == runs[r]);
    rows.Add($"| {name} | **{c10.Mean:F2} ± {c10.Std:F2}** | {paper.Name} {paper.Cifar10:F2} ± {paper.Std:F2} | {c10.Mean - paper.Cifar10:+0.00;-0.00} | "
        + $"{c100.Mean:F2} ± {c100.Std:F2} ({paper.Cifar100:F2}) | {img.Mean:F2} ± {img.Std:F2} ({paper.ImageNet16:F2}) | "
        + $"{runs.Average(r => r.Distinct):F1} | {product}/{Math.Min(opts.ProductRuns, opts.Runs)} | {seconds:F0} s ({cpuSeconds:F0} CPU s) |");
    Console.WriteLine(rows[^1]);
    checks.Add(key switch
    {
        "random" => $"random search within the paper's RS std: |{c10.Mean:F2} - 93.70| = {Math.Abs(c10.Mean - 93.70):F2} {(Math.Abs(c10.Mean - 93.70) <= 0.36 ? "<=" : ">")} 0.36",
        "evolution" => $"evolution >= REA 93.92: {c10.Mean:F2} {(c10.Mean >= 93.92 ? "yes" : "NO")} (standard error of our mean {c10.Std / Math.Sqrt(runs.Length):F3})",
        _ => $"{key} >= REINFORCE 93.85: {c10.Mean:F2} {(c10.Mean >= 93.85 ? "yes" : "NO")} (standard error of our mean {c10.Std / Math.Sqrt(runs.Length):F3})",
    });
}

Console.WriteLine();
Console.WriteLine($"CIFAR-10 test accuracy (%) of the cell with the best cifar10_valid_12 among {opts.Budget} evaluations; mean ± std over {opts.Runs} runs; optimum {optimum:F2} (paper: 94.37).");
Console.WriteLine();
Console.WriteLine("| strategy | CIFAR-10 test (ours) | published | ours − published | CIFAR-100 test (published) | ImageNet16-120 test (published) | distinct cells per run | product path identical | time |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
rows.ForEach(Console.WriteLine);
Console.WriteLine();
checks.ForEach(c => Console.WriteLine($"- {c}"));

static Outcome[] RunMany(StrategyOptions options, TabularTrainer trainer, ISearchSpace space, int budget, long seed, int runs, int parallel)
{
    var results = new Outcome[runs];
    Parallel.For(0, runs, new ParallelOptions { MaxDegreeOfParallelism = parallel }, r => results[r] = RunOne(options, trainer, space, budget, seed + r));
    return results;
}

// One search in process: propose, look the cell up, observe; the best reward seen is the chosen cell.
static Outcome RunOne(StrategyOptions options, TabularTrainer trainer, ISearchSpace space, int budget, long seed)
{
    using var s = SearchStrategies.Create(options, space, seed);
    var best = (Reward: double.NegativeInfinity, Record: (TabularRecord?)null);
    var seen = new HashSet<string>();
    for (var i = 0; i < budget; i++)
    {
        var p = s.Propose();
        var rec = trainer.Lookup(p.Architecture);
        s.Observe(p.SampleId, rec.Reward);
        seen.Add(p.Architecture.Text);
        if (rec.Reward > best.Reward)
        {
            best = (rec.Reward, rec);
        }
    }

    return Outcome.Of(best.Record!, seen.Count);
}

// The same search the product's way: the architecture travels as text (as in a lease), is parsed back for the named
// space, trained by the tabular trainer through ICandidateTrainer, and the strategy is saved and restored every 10
// rewards (as after a silo restart). It must choose the same cell as RunOne.
static Outcome RunProduct(StrategyOptions options, TabularTrainer trainer, ISearchSpace space, int budget, long seed)
{
    var s = SearchStrategies.Create(options, space, seed);
    try
    {
        var best = (Reward: double.NegativeInfinity, Record: (TabularRecord?)null);
        var seen = new HashSet<string>();
        var spec = new ChildTrainingSpec { Epochs = 1 };
        for (var i = 0; i < budget; i++)
        {
            var p = s.Propose();
            var architecture = SearchSpaces.Parse(space.Name, p.Architecture.Text);
            var result = trainer.Train(new CandidateJob($"c{i}", architecture, spec, (int)seed), null, (_, _) => { }, null, CancellationToken.None);
            s.Observe(p.SampleId, result.ValidationAccuracy);
            seen.Add(architecture.Text);
            if (result.ValidationAccuracy > best.Reward)
            {
                best = (result.ValidationAccuracy, trainer.Lookup(architecture));
            }

            if ((i + 1) % 10 == 0)
            {
                var state = s.Save();
                s.Dispose();
                s = SearchStrategies.Restore(options, space, state);
            }
        }

        return Outcome.Of(best.Record!, seen.Count);
    }
    finally
    {
        s.Dispose();
    }
}

// The tuning grid (seeds 1,000,000 + r: disjoint from the reported seeds), printed best first.
static void Sweep(Args opts, TabularTrainer trainer, ISearchSpace space)
{
    // Normalized advantages: learning rate x batch size. Raw advantages (rewards are fractions, so advantages are
    // ~0.01): larger learning rates. The paper's settings are the first row of the main table.
    var grid = new List<StrategyOptions>();
    foreach (var lr in new[] { 0.003, 0.01, 0.02, 0.05 })
    {
        foreach (var batch in new[] { 5, 10 })
        {
            grid.Add(new StrategyOptions { Kind = StrategyKind.Ppo, LearningRate = lr, BatchSize = batch, ProposeAhead = batch, NormalizeAdvantages = true });
        }
    }

    grid.Add(new StrategyOptions { Kind = StrategyKind.Ppo, LearningRate = 0.02, BatchSize = 20, ProposeAhead = 20, NormalizeAdvantages = true });
    grid.Add(new StrategyOptions { Kind = StrategyKind.Ppo, LearningRate = 0.1, BatchSize = 10, ProposeAhead = 10 });
    grid.Add(new StrategyOptions { Kind = StrategyKind.Ppo, LearningRate = 0.5, BatchSize = 10, ProposeAhead = 10 });
    grid.AddRange(opts.Extra);
    var results = new List<(string Name, double Mean, double Std, double Distinct)>();
    foreach (var o in grid)
    {
        var wall = Stopwatch.StartNew();
        var runs = RunMany(o, trainer, space, opts.Budget, 1_000_000, opts.SweepRuns, opts.Parallel);
        var c10 = Stats(runs.Select(r => r.Cifar10));
        results.Add((Describe(o), c10.Mean, c10.Std, runs.Average(r => r.Distinct)));
        Console.WriteLine($"{Describe(o)}: {c10.Mean:F3} ± {c10.Std:F2}, distinct {runs.Average(r => r.Distinct):F1} ({wall.Elapsed.TotalSeconds:F0} s)");
    }

    Console.WriteLine();
    Console.WriteLine($"| ppo settings | CIFAR-10 test, {opts.SweepRuns} runs | distinct cells per run |");
    Console.WriteLine("|---|---:|---:|");
    foreach (var r in results.OrderByDescending(r => r.Mean))
    {
        Console.WriteLine($"| {r.Name} | {r.Mean:F2} ± {r.Std:F2} | {r.Distinct:F1} |");
    }
}

static (double Mean, double Std) Stats(IEnumerable<double> values)
{
    var v = values.ToArray();
    var mean = v.Average();
    return (mean, Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)));
}

static string Describe(StrategyOptions o) =>
    $"lr {o.LearningRate}, batch {o.BatchSize}, {o.PpoEpochs} epochs, hidden {o.Hidden}{(o.NormalizeAdvantages ? ", normalized advantages" : "")}"
    + $"{(o.EntropyWeight != 0.00001 ? $", entropy {o.EntropyWeight}" : "")}{(o.BaselineDecay != 0.95 ? $", baseline decay {o.BaselineDecay}" : "")}";

internal sealed partial class Program
{
    /// <summary>PPO tuned for a 100-evaluation budget (see the sweep in bench/RESULTS.md); recommended in the Controller README.</summary>
    private static readonly StrategyOptions Tuned = new()
    {
        Kind = StrategyKind.Ppo, LearningRate = 0.01, BatchSize = 10, ProposeAhead = 10, NormalizeAdvantages = true,
    };
}

/// <summary>A published row of the paper's Table 5.</summary>
internal sealed record Published(string Name, double Cifar10, double Std, double Cifar100, double ImageNet16);

/// <summary>What one run chose: the test accuracies (%) of its best-reward cell, and how many distinct cells it evaluated.</summary>
internal sealed record Outcome(int Row, double Cifar10, double Cifar100, double ImageNet16, int Distinct)
{
    public static Outcome Of(TabularRecord r, int distinct) =>
        new(r.Row, r.Test!.Value * 100, r.Metrics["cifar100_test_200"] * 100, r.Metrics["imagenet16_test_200"] * 100, distinct);
}

internal sealed record Args(int Runs, int Budget, long Seed, int Parallel, string Table, int ProductRuns, string[]? Only, bool Sweep, int SweepRuns, StrategyOptions[] Extra)
{
    public static Args Parse(string[] a)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(a, name);
            return i >= 0 && i + 1 < a.Length ? a[i + 1] : fallback;
        }

        int Int(string name, string fallback) => int.Parse(Get(name, fallback), CultureInfo.InvariantCulture);

        // --ppo lr=0.02,batch=10,epochs=4,hidden=100,normalize=true,entropy=0.00001,decay=0.95 (repeatable; sweep only)
        var extra = a.Select((x, i) => (x, i)).Where(t => t.x == "--ppo" && t.i + 1 < a.Length).Select(t => PpoSettings(a[t.i + 1])).ToArray();
        var only = Get("--only", "");
        return new Args(
            Int("--runs", "500"),
            Int("--budget", "100"),
            long.Parse(Get("--seed", "0"), CultureInfo.InvariantCulture),
            Int("--parallel", "2"),
            Get("--table", FindTable()),
            Int("--product-runs", "20"),
            only.Length > 0 ? only.Split(',') : null,
            a.Contains("--sweep"),
            Int("--sweep-runs", "100"),
            extra);
    }

    private static StrategyOptions PpoSettings(string text)
    {
        var o = new StrategyOptions { Kind = StrategyKind.Ppo };
        foreach (var kv in text.Split(',').Select(p => p.Split('=')))
        {
            var v = kv[1];
            double D() => double.Parse(v, CultureInfo.InvariantCulture);
            o = kv[0] switch
            {
                "lr" => o with { LearningRate = D() },
                "batch" => o with { BatchSize = (int)D(), ProposeAhead = (int)D() },
                "epochs" => o with { PpoEpochs = (int)D() },
                "hidden" => o with { Hidden = (int)D() },
                "normalize" => o with { NormalizeAdvantages = bool.Parse(v) },
                "entropy" => o with { EntropyWeight = D() },
                "decay" => o with { BaselineDecay = D() },
                "clip" => o with { Clip = D() },
                _ => throw new ArgumentException($"unknown ppo setting '{kv[0]}'"),
            };
        }

        return o.Validate();
    }

    // The shipped table, found from the working directory or the binaries (so `dotnet run` works from anywhere in the repo).
    private static string FindTable()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var path = Path.Combine(dir.FullName, "data", "nb201", "nb201.csv");
                if (File.Exists(path))
                {
                    return Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
                }
            }
        }

        return "data/nb201/nb201.csv";
    }
}
