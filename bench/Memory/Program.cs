using System.Diagnostics;
using System.Globalization;
using NasNet.Core;
using NasNet.Core.SearchSpace;
using NasNet.Core.Training;
using TorchSharp;

// Trains sampled candidates one after another on S slot threads in one process (as a CPU silo's slots do) and prints
// the process RSS after each: a long campaign must not grow without bound.
var options = new Dictionary<string, string>
{
    ["candidates"] = "24", ["slots"] = "2", ["cells"] = "1", ["filters"] = "96", ["subset"] = "256",
    ["validation"] = "256", ["image"] = "0", ["dataset"] = "synthetic", ["data-dir"] = "", ["seed"] = "1",
};
for (var i = 0; i + 1 < args.Length; i += 2)
{
    var key = args[i].TrimStart('-');
    if (!options.ContainsKey(key))
    {
        Console.Error.WriteLine($"error: unknown option '{args[i]}' (known: {string.Join(", ", options.Keys.Select(k => "--" + k))})");
        return 2;
    }

    options[key] = args[i + 1];
}

int Int(string key) => int.Parse(options[key], CultureInfo.InvariantCulture);

var spec = new ChildTrainingSpec
{
    Dataset = options["dataset"],
    DataDir = options["data-dir"] == "" ? null : options["data-dir"],
    Cells = Int("cells"),
    Filters = Int("filters"),
    TrainSubset = Int("subset"),
    ValidationSize = Int("validation"),
    ImageSize = Int("image") > 0 ? Int("image") : null,
    Threads = 1,
    Device = "cpu",
};
var trainer = new TorchCandidateTrainer();
var rng = new Rng(Int("seed"));
var jobs = new Queue<CandidateJob>(Enumerable.Range(0, Int("candidates")).Select(i =>
    new CandidateJob($"c{i}", CellSearchSpace.Default.Decode(CellSearchSpace.Default.RandomDecisions(rng)), spec, i)));
var gate = new object();
var done = 0;
var clock = Stopwatch.StartNew();
Console.WriteLine($"{"n",4} {"outcome",-10} {"val",6} {"s",6} {"rss MiB",9} {"gc MiB",7}");
Console.WriteLine($"{0,4} {"start",-10} {"",6} {"",6} {Rss(),9:F0} {GC.GetTotalMemory(false) >> 20,7}");
// One long-lived thread per slot, each training one candidate after another, as the silo's TrainingHost runs them.
var threads = Enumerable.Range(0, Int("slots")).Select(i => new Thread(() =>
{
    while (true)
    {
        CandidateJob? job;
        lock (gate)
        {
            if (!jobs.TryDequeue(out job))
            {
                return;
            }
        }

        var r = trainer.Train(job, null, (_, _) => { }, null, CancellationToken.None);
        lock (gate)
        {
            done++;
            Console.WriteLine($"{done,4} {r.Outcome,-10} {r.ValidationAccuracy,6:F3} {r.Seconds,6:F1} {Rss(),9:F0} {GC.GetTotalMemory(false) >> 20,7}");
        }
    }
}) { Name = $"slot-{i}" }).ToList();
threads.ForEach(t => t.Start());
threads.ForEach(t => t.Join());
Console.WriteLine($"done {done} candidates in {clock.Elapsed.TotalSeconds:F0} s; peak RSS {Peak():F0} MiB");
return 0;

static double Rss() => Status("VmRSS:");

static double Peak() => Status("VmHWM:");

static double Status(string key) =>
    double.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(key, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
