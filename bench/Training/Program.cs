using System.Diagnostics;
using System.Globalization;
using NasNet.Core.Networks;
using NasNet.Core.Runtime;
using NasNet.Core.SearchSpace;
using TorchSharp;
using static TorchSharp.torch;

// TorchSharp half of the training-throughput benchmark (bench/Training/run.sh); nasnet_torch.py is the PyTorch half.
// NASNet-A child (ChildNetwork), CIFAR stem, no aux head / drop-path / dropout, SGD momentum 0.9, synthetic batches.
// Prints one line: "torchsharp threads=T params=P shapes=D images_per_s=X step_ms=Y loss=L ..." (D: parameter-shape
// digest), with the training FLOP rate and its share of a GEMM (torch.mm 1024^3) timed in the same process.
// --candidate N: instead, trains N sampled candidates with the product's trainer at the demo's settings (N=1, F=96,
// Fashion-MNIST 28x28 or synthetic, batch 16, lr 0.1, 2,000 training and 1,000 validation images, 1 epoch) and prints where
// each one's wall time went (CandidateSplit below).

var options = new Dictionary<string, int>
{
    ["threads"] = 1, ["cells"] = 2, ["filters"] = 96, ["image"] = 32, ["channels"] = 3, ["batch"] = 64,
    ["warmup"] = 5, ["steps"] = 30, ["seed"] = 1, ["forward-only"] = 0, ["onednn"] = -1, ["candidate"] = 0, ["channels-last"] = 0,
};
for (var i = 0; i + 1 < args.Length; i += 2)
{
    var key = args[i].TrimStart('-');
    if (!options.ContainsKey(key))
    {
        Console.Error.WriteLine($"error: unknown option '{args[i]}' (known: {string.Join(", ", options.Keys.Select(k => "--" + k))})");
        return 2;
    }
    options[key] = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
}

// --onednn -1 (default): as the product decides (CpuKernels.ConfigureOneDnn: on unless its start-up self-test
// fails); 0: off (the old workaround); 1: on without the self-test.
if (options["onednn"] >= 0)
{
    Environment.SetEnvironmentVariable("NASNET_ONEDNN", options["onednn"].ToString(CultureInfo.InvariantCulture));
}
NasNet.Core.Training.OpenMp.PreferPassiveWait();
var malloc = TorchRuntime.TuneMalloc();
NasNet.Core.Training.CpuKernels.DisableNnpack();
var oneDnn = NasNet.Core.Training.CpuKernels.ConfigureOneDnn();
torch.set_num_threads(options["threads"]);
if (options["candidate"] > 0)
{
    return CandidateSplit.Run(options["candidate"], options["seed"], oneDnn);
}

torch.manual_seed(options["seed"]);
var config = (NetworkConfig.Cifar with
{
    Cells = options["cells"],
    ImageSize = options["image"],
    InChannels = options["channels"],
    AuxHead = false,
    DropPathKeepProb = 1.0,
    DenseDropoutKeepProb = 1.0,
}).WithPenultimateFilters(options["filters"], Genotypes.NasNetA);

using var model = new ChildNetwork(Genotypes.NasNetA, config);
model.train();
var parameters = model.ParameterCount();
// Digest of the sorted parameter shapes: equal digests mean the same multiset of tensors as the PyTorch twin.
var shapes = string.Join(",", model.parameters().Select(p => string.Join("x", p.shape)).Order(StringComparer.Ordinal));
var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(shapes)))[..12];
using var optimizer = optim.SGD(model.parameters(), 0.025, momentum: 0.9, weight_decay: 5e-4);
var batch = options["batch"];
var xs = Enumerable.Range(0, 4).Select(_ => randn(batch, options["channels"], options["image"], options["image"])).ToArray();
static Tensor ChannelsLast(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
if (options["channels-last"] >= 2)
{
    using var noGrad = torch.no_grad();
    foreach (var p in model.parameters().Where(p => p.dim() == 4))
    {
        p.set_(ChannelsLast(p));
    }
}
if (options["channels-last"] >= 1)
{
    xs = xs.Select(ChannelsLast).ToArray();
}
var ys = Enumerable.Range(0, 4).Select(_ => randint(0, 10, [batch], dtype: ScalarType.Int64)).ToArray();

var forwardOnly = options["forward-only"] != 0;

float Step(int i)
{
    using var scope = torch.NewDisposeScope();
    if (forwardOnly)
    {
        // Diagnostics: the forward pass alone (no autograd graph, no backward, no optimizer step).
        using var noGrad = torch.no_grad();
        return nn.functional.cross_entropy(model.call(xs[i % 4]), ys[i % 4]).item<float>();
    }

    optimizer.zero_grad();
    var loss = nn.functional.cross_entropy(model.call(xs[i % 4]), ys[i % 4]);
    loss.backward();
    optimizer.step();
    return loss.item<float>();
}

for (var i = 0; i < options["warmup"]; i++)
{
    Step(i);
}

var lossValue = 0f;
using var process = Process.GetCurrentProcess();
var cpuStart = process.TotalProcessorTime;
var mainStart = ThreadCpu.Seconds();
var clock = Stopwatch.StartNew();
for (var i = 0; i < options["steps"]; i++)
{
    lossValue = Step(i);
}
var elapsed = clock.Elapsed.TotalSeconds;
process.Refresh();
var cpu = (process.TotalProcessorTime - cpuStart).TotalSeconds;
var mainCpu = ThreadCpu.Seconds() - mainStart;
var images = batch * options["steps"];
// FLOP of a training image: forward multiply-adds x 2 FLOP x 3 (the backward pass costs about twice the forward:
// gradients of inputs and of weights), the usual convention. The GEMM is the machine's attainable peak here.
var macs = NasNet.Core.Networks.ArchitectureStats.Count(Genotypes.NasNetA, config).MultAdds;
var flopPerImage = 6.0 * macs;
var gemm = Gemm.CpuGflops(options["threads"]);
var cpuGflops = flopPerImage * images / cpu / 1e9;
// images_per_s: wall clock; cpu_images_per_s: per CPU-second of the process (robust on a shared, loaded machine).
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"torchsharp threads={torch.get_num_threads()} params={parameters} shapes={digest} images_per_s={images / elapsed:F2} cpu_images_per_s={images / cpu:F2} step_ms={1000 * elapsed / options["steps"]:F1} cpu_s={cpu:F2} main_thread_cpu_s={mainCpu:F2} loss={lossValue:F4} mallopt={malloc} onednn={(NasNet.Core.Training.CpuKernels.OneDnnEnabled ? 1 : 0)} mflop_per_image={flopPerImage / 1e6:F1} cpu_gflops={cpuGflops:F2} gemm_cpu_gflops={gemm:F1} gemm_share_pct={100 * cpuGflops / gemm:F1}"));
foreach (var t in xs.Concat(ys))
{
    t.Dispose();
}
return 0;

/// <summary>A square float GEMM (torch.mm, 1024 x 1024 x 1024) timed by process CPU time: the attainable FLOP rate.</summary>
internal static class Gemm
{
    public static double CpuGflops(int threads, int n = 1024, int reps = 6)
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.randn(n, n);
        var b = torch.randn(n, n);
        torch.mm(a, b).Dispose(); // warm-up
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var start = process.TotalProcessorTime;
        for (var i = 0; i < reps; i++)
        {
            torch.mm(a, b).Dispose();
        }
        process.Refresh();
        var cpu = (process.TotalProcessorTime - start).TotalSeconds;
        return 2.0 * n * n * n * reps / cpu / 1e9;
    }
}

/// <summary>
/// Trains sampled candidates as a CPU slot does (TorchCandidateTrainer, the demo's settings, 1 thread per slot) and
/// prints where each one's wall time went: build (count + construct), train, validate, measure (latency), checkpoint
/// (the per-epoch state, kept in memory as the memory store does), report (weights serialised; the grain call that
/// sends them is not in this process), with the process CPU time next to it.
/// </summary>
internal static class CandidateSplit
{
    public static int Run(int candidates, int seed, NasNet.Core.Training.OneDnnStatus oneDnn)
    {
        var fashion = File.Exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
        var spec = new NasNet.Core.Training.ChildTrainingSpec
        {
            Dataset = fashion ? "fashion-mnist" : "synthetic",
            DataDir = fashion ? "/usr/share/datasets/fashion-mnist" : null,
            ImageSize = fashion ? null : 28,
            Cells = 1,
            Filters = 96,
            LearningRate = 0.1,
            Epochs = 1,
            BatchSize = 16,
            TrainSubset = 2000,
            ValidationSize = 1000,
            Threads = torch.get_num_threads(),
        };
        var trainer = new NasNet.Core.Training.TorchCandidateTrainer();
        NasNet.Core.Datasets.DatasetCatalog.Load(NasNet.Core.Training.TorchCandidateTrainer.DatasetOf(spec)); // loading is once per process: not a candidate's
        Console.WriteLine($"dataset {spec.Dataset}; oneDNN {(oneDnn.Enabled ? "on" : "off")} ({oneDnn.Reason}); threads {spec.Threads}; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine("| candidate | params | mult-adds | wall s | cpu s | build | train | validate | measure | checkpoint | report | train img/s | cpu GFLOP/s | oneDNN re-runs | accuracy |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        var space = NasNet.Core.SearchSpace.CellSearchSpace.Default;
        using var process = Process.GetCurrentProcess();
        var store = new Dictionary<string, byte[]>();
        for (var i = 0; i < candidates; i++)
        {
            var genotype = space.Decode(space.RandomDecisions(new NasNet.Core.Rng(seed + i)));
            var job = new NasNet.Core.Training.CandidateJob($"c{seed + i}", genotype, spec, seed + i);
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var (r, p) = trainer.TrainTimed(job, null, (e, bytes) => store[job.CandidateId] = bytes, null, CancellationToken.None);
            var wall = clock.Elapsed.TotalSeconds;
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
            var share = (double x) => string.Create(CultureInfo.InvariantCulture, $"{x:F1} ({x / wall:P0})");
            // Training FLOP per CPU-second of the whole candidate's train phase share (6 x mult-adds per image).
            var gflops = 6.0 * r.MultAdds * 2000 / (cpu * p.Train / wall) / 1e9;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {seed + i} | {r.Params:N0} | {r.MultAdds / 1e6:F1} M | {wall:F1} | {cpu:F1} | {share(p.Build)} | {share(p.Train)} | {share(p.Validate)} | {share(p.Measure)} | {share(p.Checkpoint)} | {share(p.Weights)} | {r.ImagesPerSecond:F1} | {gflops:F2} | {r.OneDnnFallbackSteps} | {r.ValidationAccuracy:F3} |"));
        }
        return 0;
    }
}

/// <summary>CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID), to split the main thread from the rest.</summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    public static double Seconds()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(ClockThreadCpuTimeId, out var ts) != 0)
        {
            return double.NaN;
        }
        return ts.Seconds + ts.Nanoseconds / 1e9;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec ts);

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
