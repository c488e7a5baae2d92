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
        "simulated" => new SimulatedTrainer(settings.SecondsPerEpoch, settings.Noise),
        "torch" => _torch.Value,
        _ => throw new UserErrorException($"trainer.kind: '{settings.Kind}' is not one of {string.Join(", ", CampaignConfig.TrainerKinds)}"),
    };
}
