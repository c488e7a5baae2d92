using System.Globalization;
using NasNet.Core.SearchSpace;
using NasNet.Core.Training;

namespace NasNet.Core.Tests.Training;

/// <summary>
/// A CPU silo trains one candidate after another: its resident memory must not grow with the number of candidates,
/// even with a fresh thread per training, the worst case (the silo keeps one thread per slot). Before
/// <c>TorchRuntime.ReleaseFreeMemory</c>, 6 of these grew RSS by about 1 GB, and a demo was OOM-killed at 24 GB.
/// </summary>
[Collection(TorchTrainingCollection.Name)]
public class TrainingMemoryTests
{
    [Fact]
    public void Train_SampledCandidatesOnFreshThreads_ResidentMemoryStaysBounded()
    {
        var spec = new ChildTrainingSpec
        {
            Dataset = "synthetic",
            ImageSize = 20,
            Cells = 1,
            Filters = 96,
            TrainSubset = 128,
            ValidationSize = 128,
            Threads = 0, // leave the process-wide count alone
            Device = "cpu",
        };
        var trainer = new TorchCandidateTrainer();
        var rng = new Rng(1);
        var rss = new List<double>();

        for (var i = 0; i < 6; i++)
        {
            var job = new CandidateJob($"c{i}", CellSearchSpace.Default.Decode(CellSearchSpace.Default.RandomDecisions(rng)), spec, i);
            var thread = new Thread(() => trainer.Train(job, null, (_, _) => { }, null, CancellationToken.None));
            thread.Start();
            thread.Join();
            rss.Add(ResidentMiB());
        }

        // Measured: +1,065 MiB without the trim, +144 MiB with it (bench/Memory, same settings).
        Assert.True(rss[^1] - rss[0] < 400, "RSS after each candidate (MiB): " + string.Join(", ", rss.Select(r => r.ToString("F0", CultureInfo.InvariantCulture))));
    }

    private static double ResidentMiB() =>
        double.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
}
