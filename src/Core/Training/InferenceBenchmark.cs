using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace NasNet.Core.Training;

/// <summary>
/// Measures a trained network on its device: latency of one image (median of several runs) and throughput at a larger
/// batch, in eval mode without gradients. Multi-branch cells can be slower than their mult-adds suggest, so a search
/// with a latency objective needs the measured figure.
/// </summary>
public static class InferenceBenchmark
{
    /// <summary>Batch used for throughput: 64 on CPU, 256 on CUDA.</summary>
    public static int ThroughputBatch(Device device) => device.type == DeviceType.CUDA ? 256 : 64;

    /// <summary>Latency in milliseconds at batch 1, and images per second at <see cref="ThroughputBatch"/>.</summary>
    public static (double LatencyMs, double ImagesPerSecond) Measure(nn.Module<Tensor, Tensor> model, int channels, int imageSize, Device device, CancellationToken ct = default)
    {
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var latency = LatencySeconds(model, channels, imageSize, device, ct);
            var batch = ThroughputBatch(device);
            var perBatch = Median(Time(model, batch, channels, imageSize, device, warmup: 1, minRuns: 2, maxRuns: 5, budgetSeconds: 2.0, ct));
            return (latency * 1000, batch / perBatch);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// Latency in milliseconds at batch 1, in eval mode without gradients: the median of 5 to 9 timed runs after one
    /// warm-up (at most about 0.3 s of runs). The trainer measures throughput on its validation pass instead
    /// (<see cref="ChildTrainer.EvaluateTimed"/>) where that pass runs at <see cref="ThroughputBatch"/>.
    /// </summary>
    public static double MeasureLatency(nn.Module<Tensor, Tensor> model, int channels, int imageSize, Device device, CancellationToken ct = default)
    {
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            return LatencySeconds(model, channels, imageSize, device, ct) * 1000;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    // Was 2 warm-ups and 5-20 runs within 1 s: about 1 s of every candidate (a 28x28 child takes 20-60 ms at batch 1).
    private static double LatencySeconds(nn.Module<Tensor, Tensor> model, int channels, int imageSize, Device device, CancellationToken ct) =>
        Median(Time(model, 1, channels, imageSize, device, warmup: 1, minRuns: 5, maxRuns: 9, budgetSeconds: 0.3, ct));

    private static List<double> Time(nn.Module<Tensor, Tensor> model, int batch, int channels, int size, Device device, int warmup, int minRuns, int maxRuns, double budgetSeconds, CancellationToken ct)
    {
        using var scope = NewDisposeScope();
        var x = randn([batch, channels, size, size], device: device);
        for (var i = 0; i < warmup; i++)
        {
            using var step = NewDisposeScope();
            model.call(x);
        }

        Sync(device);
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < minRuns || (times.Count < maxRuns && total.Elapsed.TotalSeconds < budgetSeconds))
        {
            ct.ThrowIfCancellationRequested();
            using var step = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            model.call(x);
            Sync(device);
            times.Add(clock.Elapsed.TotalSeconds);
        }

        return times;
    }

    private static void Sync(Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            cuda.synchronize(device);
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        var n = values.Count;
        return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
    }
}
