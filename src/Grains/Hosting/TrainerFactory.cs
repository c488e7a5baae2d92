using NasNet.Core;
using NasNet.Core.Campaigns;
using NasNet.Core.Training;

namespace NasNet.Grains.Hosting;

/// <summary>
/// Resolves a campaign's trainer kind to an <see cref="ICandidateTrainer"/> (a singleton in the silo's services):
/// simulated is made per lease (it holds its settings); torch is the TorchSharp trainer of Core, one per process.
/// </summary>
public sealed class TrainerFactory
{
    private readonly Lazy<TorchCandidateTrainer> _torch = new(() => new TorchCandidateTrainer());

    public ICandidateTrainer Create(TrainerSettings settings) => settings.Kind switch
    {
        TrainerKind.Simulated => new SimulatedTrainer(settings.SecondsPerEpoch, settings.Noise),
        TrainerKind.Torch => _torch.Value,
        _ => throw new UserErrorException($"trainer.kind '{WireEnum.Name(settings.Kind)}' is not available in this build: use one of torch, simulated"),
    };
}
