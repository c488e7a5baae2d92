using NasNet.Core;
using NasNet.Core.Campaigns;
using NasNet.Core.SearchSpace;
using NasNet.Core.Tabular;
using NasNet.Core.Training;
using System.Collections.Concurrent;

namespace NasNet.Grains.Hosting;

/// <summary>
/// Resolves a campaign's trainer kind to an <see cref="ICandidateTrainer"/> (a singleton in the silo's services):
/// simulated is made per lease (it holds its settings); torch is the TorchSharp trainer of Core, one per process;
/// tabular reads its table once per (file, column) and process (NAS-Bench-201: 15,625 rows).
/// </summary>
public sealed class TrainerFactory
{
    private readonly Lazy<TorchCandidateTrainer> _torch = new(() => new TorchCandidateTrainer());
    private readonly ConcurrentDictionary<(string Table, string Column, double SecondsPerEpoch), Lazy<TabularTrainer>> _tables = new();

    public ICandidateTrainer Create(TrainerSettings settings, ISearchSpace space) => settings.Kind switch
    {
        TrainerKind.Simulated => new SimulatedTrainer(settings.SecondsPerEpoch, settings.Noise),
        TrainerKind.Torch => _torch.Value,
        TrainerKind.Tabular => _tables.GetOrAdd((Path.GetFullPath(settings.Table!), settings.RewardColumn, settings.SecondsPerEpoch),
            k => new Lazy<TabularTrainer>(() => new TabularTrainer(
                TabularTable.Load(k.Table, "arch", space),
                new TabularOptions { RewardColumn = k.Column, SecondsPerEpoch = k.SecondsPerEpoch }))).Value,
        _ => throw new UserErrorException($"trainer.kind '{WireEnum.Name(settings.Kind)}' is not available in this build: use one of torch, simulated, tabular"),
    };
}
