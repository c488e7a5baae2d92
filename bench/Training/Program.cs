using System.Diagnostics;
using System.Globalization;
using NasNet.Core.Networks;
using NasNet.Core.Runtime;
using NasNet.Core.SearchSpace;
using TorchSharp;
using static TorchSharp.torch;

// TorchSharp half of the training-throughput benchmark (bench/Training/run.sh); nasnet_torch.py is the PyTorch half.
// NASNet-A child (ChildNetwork), CIFAR stem, no aux head / drop-path / dropout, SGD momentum 0.9, synthetic batches.
// Prints one line: "torchsharp threads=T params=P shapes=D images_per_s=X step_ms=Y loss=L" (D: parameter-shape digest).

var options = new Dictionary<string, int>
{
    ["threads"] = 1, ["cells"] = 2, ["filters"] = 96, ["image"] = 32, ["channels"] = 3, ["batch"] = 64,
    ["warmup"] = 5, ["steps"] = 30, ["seed"] = 1, ["forward-only"] = 0, ["onednn"] = 0,
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

var malloc = TorchRuntime.TuneMalloc();
// As the product trains (TorchCandidateTrainer): NNPACK off, and oneDNN off unless --onednn 1 (NASNET_ONEDNN=1).
NasNet.Core.Training.CpuKernels.DisableNnpack();
if (options["onednn"] == 0)
{
    NasNet.Core.Training.CpuKernels.DisableOneDnn();
}
torch.set_num_threads(options["threads"]);
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
// images_per_s: wall clock; cpu_images_per_s: per CPU-second of the process (robust on a shared, loaded machine).
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"torchsharp threads={torch.get_num_threads()} params={parameters} shapes={digest} images_per_s={images / elapsed:F2} cpu_images_per_s={images / cpu:F2} step_ms={1000 * elapsed / options["steps"]:F1} cpu_s={cpu:F2} main_thread_cpu_s={mainCpu:F2} loss={lossValue:F4} mallopt={malloc} onednn={options["onednn"]}"));
foreach (var t in xs.Concat(ys))
{
    t.Dispose();
}
return 0;

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
