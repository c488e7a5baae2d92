using System.Diagnostics;
using System.Globalization;
using System.Text;
using NasNet.Core;
using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;
using TorchSharp;

// Controller benchmark (bench/RESULTS.md, "Controller"):
//   1. learning curves of ppo, random and evolution on a synthetic reward with a known optimum (a hidden target
//      decision sequence; reward = share of matching decisions + noise), with rewards returned out of order by a pool
//      of simulated workers; printed as a table and written as an SVG plot;
//   2. the median time of "sample 20 architectures + one PPO update" on CPU with the paper's settings;
//   3. RSS before and after 10,000 PPO samples (dispose scopes keep it flat).
// Usage: dotnet run --project bench/Controller -c Release -- [--samples 3000] [--workers 20] [--lr 0.00035]
//        [--seed 1] [--threads 1] [--svg bench/Controller/curves.svg] [--skip-memory]
var opts = Args.Parse(args);
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
torch.set_num_threads(opts.Threads); // the controller's tensors are tiny: one thread avoids OpenMP overhead
Console.WriteLine($"torch threads: {torch.get_num_threads()}, samples per strategy: {opts.Samples}, workers: {opts.Workers}, seed: {opts.Seed}");

var space = CellSearchSpace.Default;

// --- 1. learning curves -------------------------------------------------------------------------------------------
var strategies = new (string Name, StrategyOptions Options)[]
{
    ($"ppo lr={opts.LearningRate}", new StrategyOptions { Kind = StrategyKind.Ppo, LearningRate = opts.LearningRate, NormalizeAdvantages = opts.Normalize }),
    ("ppo lr=0.01", new StrategyOptions { Kind = StrategyKind.Ppo, LearningRate = 0.01, NormalizeAdvantages = opts.Normalize }),
    ("random", new StrategyOptions { Kind = StrategyKind.Random }),
    ("evolution", new StrategyOptions { Kind = StrategyKind.Evolution }),
};
var curves = new Dictionary<string, double[]>();
foreach (var (name, o) in strategies)
{
    var sw = Stopwatch.StartNew();
    using var s = SearchStrategies.Create(o, space, opts.Seed);
    var reward = new SyntheticTargetReward(space, opts.Seed + 1000, noise: 0.02);
    curves[name] = Simulate(s, reward, opts.Samples, opts.Workers, opts.Seed + 7);
    var extra = s is PpoSearch p ? $", {p.PolicyVersion} updates, {p.StaleDropped} stale dropped" : "";
    Console.WriteLine($"{name}: {sw.Elapsed.TotalSeconds:F1} s{extra}; random-decision mean {reward.RandomMean:F3}");
}

const int Window = 20;
var table = new StringBuilder();
table.AppendLine($"| samples | {string.Join(" | ", strategies.Select(s => $"{s.Name} mean/20 | {s.Name} best"))} |");
table.AppendLine($"|---:|{string.Concat(strategies.Select(_ => "---:|---:|"))}");
var rowEvery = Math.Max(Window, opts.Samples / 15 / Window * Window);
for (var n = Window; n <= opts.Samples; n += Window)
{
    if (n % rowEvery != 0 && n != opts.Samples && n != Window)
    {
        continue;
    }

    var cells = strategies.Select(s =>
    {
        var c = curves[s.Name];
        return $"{c.Skip(n - Window).Take(Window).Average():F3} | {c.Take(n).Max():F3}";
    });
    table.AppendLine($"| {n} | {string.Join(" | ", cells)} |");
}

Console.WriteLine();
Console.WriteLine("Noiseless reward (share of the 50 decisions equal to the hidden target), per window of 20 samples:");
Console.Write(table);
foreach (var (name, _) in strategies)
{
    var c = curves[name];
    Console.WriteLine($"{name}: mean of the last 500 samples {c.Skip(c.Length - 500).Average():F3}, best {c.Max():F3}");
}

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(opts.Svg))!);
File.WriteAllText(opts.Svg, Svg.Plot(curves, Window));
Console.WriteLine($"plot: {opts.Svg}");

// --- 2. sampling 20 + one PPO update ------------------------------------------------------------------------------
{
    using var ppo = new PpoSearch(new StrategyOptions(), space, opts.Seed);
    var reward = new SyntheticTargetReward(space, opts.Seed + 1000);
    var wall = new List<double>();
    var cpu = new List<double>();
    var sampleWall = new List<double>();
    var updateWall = new List<double>();
    using var proc = Process.GetCurrentProcess();
    for (var iter = 0; iter < 60; iter++)
    {
        var batch = new Proposal[20];
        var rewards = new double[20];
        proc.Refresh();
        var cpu0 = proc.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            batch[i] = ppo.Propose();
        }

        var tSample = sw.Elapsed.TotalMilliseconds;
        sw.Stop();
        for (var i = 0; i < 20; i++)
        {
            rewards[i] = reward.Reward(batch[i].Genotype);
        }

        sw.Start();
        var tBefore = sw.Elapsed.TotalMilliseconds;
        for (var i = 0; i < batch.Length; i++)
        {
            ppo.Observe(batch[i].SampleId, rewards[i]); // the 20th triggers the update
        }

        sw.Stop();
        proc.Refresh();
        if (iter >= 10)
        {
            wall.Add(sw.Elapsed.TotalMilliseconds);
            sampleWall.Add(tSample);
            updateWall.Add(sw.Elapsed.TotalMilliseconds - tBefore);
            cpu.Add((proc.TotalProcessorTime - cpu0).TotalMilliseconds); // includes the reward function (negligible)
        }
    }

    static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
    Console.WriteLine();
    Console.WriteLine($"sample 20 + one PPO update (paper settings: hidden 100, 4 epochs, batch 20), {wall.Count} updates, {torch.get_num_threads()} torch thread(s):");
    Console.WriteLine($"  wall median {Median(wall):F1} ms (min {wall.Min():F1}, max {wall.Max():F1}); sampling {Median(sampleWall):F1} ms, update {Median(updateWall):F1} ms");
    Console.WriteLine($"  process CPU time median {Median(cpu):F1} ms (less sensitive to other load on the machine)");
    var sw2 = Stopwatch.StartNew();
    var state = ppo.Save();
    var tSave = sw2.Elapsed.TotalMilliseconds;
    sw2.Restart();
    using var restored = SearchStrategies.Restore(new StrategyOptions(), space, state);
    Console.WriteLine($"  ppo state: {state.Length:N0} bytes, save {tSave:F1} ms, restore {sw2.Elapsed.TotalMilliseconds:F1} ms");
}

// --- 3. memory over 10,000 samples -----------------------------------------------------------------------------------
if (!opts.SkipMemory)
{
    using var ppo = new PpoSearch(new StrategyOptions(), space, opts.Seed);
    var reward = new SyntheticTargetReward(space, opts.Seed + 1000);
    Console.WriteLine();
    Console.WriteLine("| samples | RSS MiB | live tensors |");
    Console.WriteLine("|---:|---:|---:|");
    for (var n = 0; n <= 10_000; n++)
    {
        if (n % 2000 == 0)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            using var proc = Process.GetCurrentProcess();
            var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            Console.WriteLine($"| {n} | {proc.WorkingSet64 / (1024.0 * 1024):F0} | {live} |");
        }

        if (n < 10_000)
        {
            var p = ppo.Propose();
            ppo.Observe(p.SampleId, reward.Reward(p.Genotype));
        }
    }
}

static double[] Simulate(ISearchStrategy s, SyntheticTargetReward reward, int samples, int workers, long seed)
{
    // A pool of `workers` outstanding proposals; each step one of them, chosen at random, returns its reward.
    var rng = new Rng(seed);
    var outstanding = new List<Proposal>();
    var exact = new List<double>(samples);
    var proposed = 0;
    while (exact.Count < samples)
    {
        while (outstanding.Count < workers && proposed < samples)
        {
            outstanding.Add(s.Propose());
            proposed++;
        }

        var i = rng.Next(outstanding.Count);
        var p = outstanding[i];
        outstanding.RemoveAt(i);
        exact.Add(reward.Exact(p.Genotype));
        s.Observe(p.SampleId, reward.Reward(p.Genotype));
    }

    return exact.ToArray();
}

internal sealed record Args(int Samples, int Workers, double LearningRate, long Seed, string Svg, bool SkipMemory, int Threads, bool Normalize)
{
    public static Args Parse(string[] a)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(a, name);
            return i >= 0 && i + 1 < a.Length ? a[i + 1] : fallback;
        }

        return new Args(
            int.Parse(Get("--samples", "3000"), CultureInfo.InvariantCulture),
            int.Parse(Get("--workers", "20"), CultureInfo.InvariantCulture),
            double.Parse(Get("--lr", "0.00035"), CultureInfo.InvariantCulture),
            long.Parse(Get("--seed", "1"), CultureInfo.InvariantCulture),
            Get("--svg", "bench/Controller/curves.svg"),
            a.Contains("--skip-memory"),
            int.Parse(Get("--threads", "1"), CultureInfo.InvariantCulture),
            a.Contains("--normalize"));
    }
}

/// <summary>A plain SVG line plot: moving mean per window (solid) and best so far (dashed) per strategy.</summary>
internal static class Svg
{
    private static readonly string[] Colors = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"];

    public static string Plot(IReadOnlyDictionary<string, double[]> curves, int window)
    {
        const double W = 800, H = 480, L = 60, R = 20, T = 30, B = 50;
        var n = curves.Values.Max(c => c.Length);
        double X(double i) => L + (W - L - R) * i / n;
        double Y(double v) => T + (H - T - B) * (1 - v);
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">");
        sb.AppendLine("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{W / 2}\" y=\"18\" text-anchor=\"middle\">Synthetic reward: mean per {window} samples (solid), best so far (dashed)</text>");
        for (var v = 0.0; v <= 1.0001; v += 0.2)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{L}\" x2=\"{W - R}\" y1=\"{Y(v):F1}\" y2=\"{Y(v):F1}\" stroke=\"#ddd\"/><text x=\"{L - 6}\" y=\"{Y(v) + 4:F1}\" text-anchor=\"end\">{v:F1}</text>");
        }

        for (var i = 0; i <= 5; i++)
        {
            var s = n * i / 5;
            sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{X(s):F1}\" y=\"{H - B + 18}\" text-anchor=\"middle\">{s}</text>");
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{W / 2}\" y=\"{H - 12}\" text-anchor=\"middle\">samples</text>");
        var k = 0;
        foreach (var (name, c) in curves)
        {
            var color = Colors[k % Colors.Length];
            var mean = new List<string>();
            var best = new List<string>();
            var b = double.MinValue;
            for (var i = 0; i < c.Length; i++)
            {
                b = Math.Max(b, c[i]);
                if ((i + 1) % window == 0)
                {
                    var m = c.Skip(i + 1 - window).Take(window).Average();
                    mean.Add(FormattableString.Invariant($"{X(i + 1):F1},{Y(m):F1}"));
                    best.Add(FormattableString.Invariant($"{X(i + 1):F1},{Y(b):F1}"));
                }
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.2\" points=\"{string.Join(' ', mean)}\"/>");
            sb.AppendLine(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\" points=\"{string.Join(' ', best)}\"/>");
            sb.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{L + 20}\" x2=\"{L + 50}\" y1=\"{T + 20 + 18 * k}\" y2=\"{T + 20 + 18 * k}\" stroke=\"{color}\" stroke-width=\"2\"/><text x=\"{L + 56}\" y=\"{T + 24 + 18 * k}\">{name}</text>");
            k++;
        }

        sb.AppendLine("</svg>");
        return sb.ToString();
    }
}
