using System.Globalization;

namespace NasNet.Bench.Fidelity;

/// <summary>The tables: the sweep per model and budget, the fidelity study per cell with its rank correlations.</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Print(List<Row> rows, Options o)
    {
        Console.WriteLine($"results: {Path.GetFullPath(o.Out)} ({rows.Count} rows; that file is the machine-readable CSV)");
        Sweep(rows.Where(r => r.Study == "sweep").ToList());
        Fidelity(rows.Where(r => r.Study == "fidelity").ToList(), o);
    }

    private static void Sweep(List<Row> rows)
    {
        foreach (var group in rows.GroupBy(r => (r.Model, r.Budget, r.Epochs)).OrderBy(g => g.Key.Model == "nasnet-a" ? 0 : 1).ThenBy(g => g.Key.Model).ThenBy(g => Cost(g.First())))
        {
            Console.WriteLine();
            Console.WriteLine($"## sweep: {group.Key.Model}, {group.Key.Budget} (epoch {group.Key.Epochs}), params {group.First().Params:N0}, mult-adds {group.First().MultAdds:N0}");
            var table = new List<string[]> { new[] { "lr", "batch", "wd", "seed", "val", "val1000", "test", "train s", "train CPU-s", "img/s", "eval s", "load" } };
            foreach (var r in group.OrderBy(r => r.Lr).ThenBy(r => r.Batch).ThenBy(r => r.Wd).ThenBy(r => r.Seed))
            {
                table.Add([G(r.Lr), r.Batch.ToString(Inv), G(r.Wd), r.Seed.ToString(Inv), r.Outcome == "completed" ? F(r.Val) : "diverged", F(r.Val1000), F(r.Test),
                    F1(r.TrainSeconds), F1(r.TrainCpuSeconds), F1(r.ImagesPerSecond), F1(r.EvalSeconds), $"{r.LoadStart:0.0}-{r.LoadEnd:0.0}"]);
            }

            Print(table);
            // Settings are chosen by validation accuracy (mean over seeds), never by test accuracy.
            var best = group.GroupBy(r => (r.Lr, r.Batch, r.Wd)).Select(g => (g.Key, Val: g.Average(r => Score(r.Val)), Test: g.Average(r => r.Test), Seeds: g.Count()))
                .OrderByDescending(x => x.Val).First();
            Console.WriteLine($"best by validation: lr {G(best.Key.Lr)}, batch {best.Key.Batch}, wd {G(best.Key.Wd)}: val {F(best.Val)}, test {F(best.Test)} ({best.Seeds} seed(s))");
        }
    }

    private static void Fidelity(List<Row> rows, Options o)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var finalLabel = o.Final?.Label ?? rows.OrderByDescending(Cost).First().Budget;
        var finalEpochs = rows.Where(r => r.Budget == finalLabel).Select(r => r.Epochs).DefaultIfEmpty(0).Max();
        var rungs = rows.Where(r => r.Budget != finalLabel).Select(r => (r.Budget, r.Epochs)).Distinct().OrderBy(x => x.Budget.Split('x')[0].Length).ThenBy(x => x.Budget, StringComparer.Ordinal).ThenBy(x => x.Epochs).ToList();
        var models = rows.Select(r => r.Model).Distinct().OrderBy(m => m, StringComparer.Ordinal).ToList();

        double Mean(string model, string budget, int epochs, Func<Row, double> f)
        {
            var xs = rows.Where(r => r.Model == model && r.Budget == budget && r.Epochs == epochs).Select(f).ToList();
            return xs.Count == 0 ? double.NaN : xs.Average();
        }

        Console.WriteLine();
        Console.WriteLine($"## fidelity: {models.Count} cells; rungs {string.Join(", ", rungs.Select(x => $"{x.Budget}@{x.Epochs}"))}; final {finalLabel} (epoch {finalEpochs}); validation accuracy at the rungs (mean over seeds), diverged = 0");
        var header = new List<string> { "cell", "params", "mult-adds" };
        header.AddRange(rungs.Select(x => $"val {x.Budget.Split('x')[0]}x{x.Epochs}"));
        header.AddRange(["final val", "final test", "seeds", "rung s", "final s", "final CPU-s"]);
        var table = new List<string[]> { header.ToArray() };
        var complete = new List<string>();
        foreach (var m in models)
        {
            var any = rows.First(r => r.Model == m);
            var line = new List<string> { Short(m), any.Params.ToString("N0", Inv), any.MultAdds.ToString("N0", Inv) };
            line.AddRange(rungs.Select(x => F(Mean(m, x.Budget, x.Epochs, r => Score(r.Val)))));
            var finalVal = Mean(m, finalLabel, finalEpochs, r => Score(r.Val));
            var finalTest = Mean(m, finalLabel, finalEpochs, r => r.Outcome == "completed" ? r.Test : 0);
            var rungSeconds = rows.Where(r => r.Model == m && r.Budget != finalLabel).GroupBy(r => r.Seed).Select(g => g.Sum(r => r.TrainSeconds + r.EvalSeconds)).DefaultIfEmpty(double.NaN).Average();
            line.AddRange([F(finalVal), F(finalTest), rows.Where(r => r.Model == m && r.Budget == finalLabel).Select(r => r.Seed).Distinct().Count().ToString(Inv),
                F1(rungSeconds), F1(Mean(m, finalLabel, finalEpochs, r => r.TrainSeconds + r.EvalSeconds)), F1(Mean(m, finalLabel, finalEpochs, r => r.TrainCpuSeconds))]);
            table.Add(line.ToArray());
            if (!double.IsNaN(finalTest) && rungs.All(x => !double.IsNaN(Mean(m, x.Budget, x.Epochs, r => r.Val))))
            {
                complete.Add(m);
            }
        }

        Print(table);
        if (complete.Count < 4)
        {
            Console.WriteLine($"(rank correlations need at least 4 cells with every rung and the final; {complete.Count} so far)");
            return;
        }

        var target = complete.Select(m => Mean(m, finalLabel, finalEpochs, r => r.Outcome == "completed" ? r.Test : 0)).ToArray();
        var bestFinal = target.Max();
        Console.WriteLine();
        Console.WriteLine($"## rank correlation with the final test accuracy ({complete.Count} cells; 90% interval: 2,000 bootstrap resamples of the cells)");
        var corr = new List<string[]> { new[] { "predictor", "Spearman", "90% interval", "pick's final test", "pick's final rank", "regret", "final best in predictor's top 3" } };
        var predictors = new List<(string Name, double[] Values)>();
        foreach (var x in rungs)
        {
            predictors.Add(($"val {x.Budget}@{x.Epochs}", complete.Select(m => Mean(m, x.Budget, x.Epochs, r => Score(r.Val))).ToArray()));
            predictors.Add(($"val1000 {x.Budget}@{x.Epochs}", complete.Select(m => Mean(m, x.Budget, x.Epochs, r => Score(r.Val1000))).ToArray()));
        }

        predictors.Add(("final val", complete.Select(m => Mean(m, finalLabel, finalEpochs, r => Score(r.Val))).ToArray()));
        predictors.Add(("final val1000", complete.Select(m => Mean(m, finalLabel, finalEpochs, r => Score(r.Val1000))).ToArray()));
        predictors.Add(("params", complete.Select(m => (double)rows.First(r => r.Model == m).Params).ToArray()));
        predictors.Add(("mult-adds", complete.Select(m => (double)rows.First(r => r.Model == m).MultAdds).ToArray()));
        var finalRank = Stats.Ranks(target.Select(t => -t).ToArray());
        foreach (var (name, values) in predictors)
        {
            if (values.Any(double.IsNaN))
            {
                continue;
            }

            var rho = Stats.Spearman(values, target);
            var (lo, hi) = Stats.Bootstrap(values, target, 2000, 12345);
            var pick = Array.IndexOf(values, values.Max());
            var top3 = Enumerable.Range(0, values.Length).OrderByDescending(i => values[i]).Take(3).ToList();
            var best = Array.IndexOf(target, bestFinal);
            corr.Add([name, F2(rho), $"[{F2(lo)}, {F2(hi)}]", F(target[pick]), finalRank[pick].ToString("0.#", Inv), F(bestFinal - target[pick]), top3.Contains(best) ? "yes" : "no"]);
        }

        Print(corr);

        // Seed-to-seed agreement where a rung was trained under several seeds.
        foreach (var x in rungs.Append((Budget: finalLabel, Epochs: finalEpochs)))
        {
            var seeds = rows.Where(r => r.Budget == x.Budget && r.Epochs == x.Epochs).Select(r => r.Seed).Distinct().Order().ToList();
            if (seeds.Count < 2)
            {
                continue;
            }

            var both = complete.Where(m => seeds.Take(2).All(s => rows.Any(r => r.Model == m && r.Budget == x.Budget && r.Epochs == x.Epochs && r.Seed == s))).ToList();
            if (both.Count < 4)
            {
                continue;
            }

            double[] V(int seed) => both.Select(m => Score(rows.First(r => r.Model == m && r.Budget == x.Budget && r.Epochs == x.Epochs && r.Seed == seed).Val)).ToArray();
            var a = V(seeds[0]);
            var b = V(seeds[1]);
            var diff = a.Zip(b, (p, q) => Math.Abs(p - q)).Average();
            Console.WriteLine($"seed {seeds[0]} vs seed {seeds[1]} at {x.Budget}@{x.Epochs}: Spearman of validation {F2(Stats.Spearman(a, b))} over {both.Count} cells, mean |difference| {F(diff)}");
        }

        Console.WriteLine();
        Console.WriteLine("csv (per cell, means over seeds):");
        Console.WriteLine("model,params,mult_adds," + string.Join(',', rungs.Select(x => $"val_{x.Budget}@{x.Epochs}")) + ",final_val,final_test");
        foreach (var m in complete)
        {
            var any = rows.First(r => r.Model == m);
            Console.WriteLine(string.Join(',', new[] { m, any.Params.ToString(Inv), any.MultAdds.ToString(Inv) }
                .Concat(rungs.Select(x => Mean(m, x.Budget, x.Epochs, r => Score(r.Val)).ToString("0.0000", Inv)))
                .Concat([Mean(m, finalLabel, finalEpochs, r => Score(r.Val)).ToString("0.0000", Inv), Mean(m, finalLabel, finalEpochs, r => r.Outcome == "completed" ? r.Test : 0).ToString("0.0000", Inv)])));
        }
    }

    /// <summary>Training images of a row's budget at its last rung (for ordering).</summary>
    private static long Cost(Row r) => (long)r.Images * r.Budget.Split('x')[1].Split('+').Select(e => int.Parse(e, Inv)).Max();

    private static double Score(double v) => double.IsNaN(v) ? 0 : v;

    private static string Short(string model) => model.StartsWith("random:", StringComparison.Ordinal) ? "r" + model["random:".Length..] : model;

    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("0.0000", Inv);

    private static string F1(double v) => double.IsNaN(v) ? "-" : v.ToString("0.0", Inv);

    private static string F2(double v) => double.IsNaN(v) ? "-" : v.ToString("0.00", Inv);

    private static string G(double v) => v.ToString("G", Inv);

    private static void Print(List<string[]> table)
    {
        var widths = Enumerable.Range(0, table[0].Length).Select(c => table.Max(r => c < r.Length ? r[c].Length : 0)).ToArray();
        for (var i = 0; i < table.Count; i++)
        {
            Console.WriteLine("| " + string.Join(" | ", table[i].Select((s, c) => s.PadRight(widths[c]))) + " |");
            if (i == 0)
            {
                Console.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
            }
        }
    }
}

/// <summary>Rank statistics.</summary>
internal static class Stats
{
    /// <summary>Ranks from 1 (smallest), ties averaged.</summary>
    public static double[] Ranks(double[] xs)
    {
        var order = Enumerable.Range(0, xs.Length).OrderBy(i => xs[i]).ToArray();
        var ranks = new double[xs.Length];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && xs[order[j + 1]] == xs[order[i]])
            {
                j++;
            }

            for (var k = i; k <= j; k++)
            {
                ranks[order[k]] = (i + j) / 2.0 + 1;
            }

            i = j + 1;
        }

        return ranks;
    }

    /// <summary>Spearman's rho: the Pearson correlation of the ranks (ties averaged).</summary>
    public static double Spearman(double[] a, double[] b)
    {
        var ra = Ranks(a);
        var rb = Ranks(b);
        var ma = ra.Average();
        var mb = rb.Average();
        double sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < ra.Length; i++)
        {
            sab += (ra[i] - ma) * (rb[i] - mb);
            saa += (ra[i] - ma) * (ra[i] - ma);
            sbb += (rb[i] - mb) * (rb[i] - mb);
        }

        return saa == 0 || sbb == 0 ? double.NaN : sab / Math.Sqrt(saa * sbb);
    }

    /// <summary>5th and 95th percentiles of Spearman's rho over resamples of the pairs (with replacement).</summary>
    public static (double Lo, double Hi) Bootstrap(double[] a, double[] b, int resamples, long seed)
    {
        var rng = new NasNet.Core.Rng(seed);
        var rhos = new List<double>();
        var n = a.Length;
        for (var s = 0; s < resamples; s++)
        {
            var pick = Enumerable.Range(0, n).Select(_ => rng.Next(n)).ToArray();
            var rho = Spearman(pick.Select(i => a[i]).ToArray(), pick.Select(i => b[i]).ToArray());
            if (!double.IsNaN(rho))
            {
                rhos.Add(rho);
            }
        }

        rhos.Sort();
        return rhos.Count == 0 ? (double.NaN, double.NaN) : (rhos[(int)(0.05 * (rhos.Count - 1))], rhos[(int)(0.95 * (rhos.Count - 1))]);
    }
}
