using System.Globalization;
using NasNet.Cluster.Tests.Chaos;
using NasNet.Cluster.Tests.Deploy;
using NasNet.Cluster.Tests.Infrastructure;

// The long chaos soak: campaigns back to back on a silo fleet under a seeded schedule of kill -9, SIGTERM, restarts
// and Redis outages; prints the table of bench/RESULTS.md § Chaos; exits with 1 on any invariant violation.
//   dotnet build bench/Chaos -c Release && dotnet build NasNet.sln -c Release
//   dotnet bench/Chaos/bin/Release/net10.0/NasNet.Bench.Chaos.dll [--minutes 20] [--seed 1] [--silos 3] [--slots 2]
//       [--candidates 60] [--epochs 3] [--seconds-per-epoch 1] [--gap 8] [--lease 3] [--containers [--tag local]]
// --containers: silo containers of nasnet-silo:TAG (deploy/images.sh) through deploy/cluster.sh, else silo processes.
var options = new ChaosOptions(DurationSeconds: 20 * 60, Candidates: 60, MeanGapSeconds: 8);
var containers = false;
var tag = "local";
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
    options = args[i] switch
    {
        "--minutes" => options with { DurationSeconds = Number() * 60 },
        "--seed" => options with { Seed = (int)Number() },
        "--silos" => options with { Silos = (int)Number() },
        "--slots" => options with { Slots = (int)Number() },
        "--candidates" => options with { Candidates = (int)Number() },
        "--epochs" => options with { Epochs = (int)Number() },
        "--seconds-per-epoch" => options with { SecondsPerEpoch = Number() },
        "--gap" => options with { MeanGapSeconds = Number() },
        "--lease" => options with { LeaseSeconds = Number() },
        "--containers" => options,
        "--tag" => options,
        _ => throw new ArgumentException($"unknown option {args[i]} (see the comment at the top of bench/Chaos/Program.cs)"),
    };
    if (args[i] == "--containers")
    {
        containers = true;
    }
    else if (args[i] == "--tag")
    {
        tag = Next();
    }
}

await using var docker = containers ? await DockerEngine.ConnectAsync() : null;
ISiloLauncher launcher = docker is null ? new ProcessSilos() : new ContainerSilos(docker, $"nasnet-chaos-{Environment.ProcessId}", tag);
using var redis = new RedisServer();
var dir = Directory.CreateTempSubdirectory("nasnet-chaos-bench-").FullName;
ChaosReport report;
try
{
    var started = DateTime.UtcNow;
    report = await new ChaosSoak(options, launcher, redis, line => Console.Error.WriteLine($"[{(DateTime.UtcNow - started).TotalSeconds,6:F0} s] {line}")).RunAsync(dir);
}
finally
{
    if (launcher is ContainerSilos c)
    {
        await c.RemoveAllAsync();
    }

    Directory.Delete(dir, recursive: true);
}

Console.WriteLine(report.Table());
foreach (var v in report.Violations)
{
    Console.WriteLine($"VIOLATION {v}");
}

return report.Violations.Count == 0 ? 0 : 1;
