using NasNet.Core;
using NasNet.Core.Campaigns;
using NasNet.Core.Training;

namespace NasNet.Grains.Hosting;

/// <summary>
/// Resolves a campaign's trainer kind to an <see cref="ICandidateTrainer"/>: simulated is built in; torch is whatever
/// <see cref="Torch"/> creates (wired by the host: one line, <c>TrainerFactory.Torch = () => new TorchCandidateTrainer()</c>).
/// </summary>
public sealed class TrainerFactory
{
    /// <summary>Creates the torch trainer; null until the torch trainer is wired.</summary>
    public static Func<ICandidateTrainer>? Torch { get; set; }

    public ICandidateTrainer Create(TrainerSettings settings) => settings.Kind switch
    {
        "simulated" => new SimulatedTrainer(settings.SecondsPerEpoch, settings.Noise),
        "torch" => Torch?.Invoke() ?? throw new UserErrorException("trainer.kind 'torch' is not available in this build: use trainer.kind 'simulated'"),
        _ => throw new UserErrorException($"trainer.kind: '{settings.Kind}' is not one of {string.Join(", ", CampaignConfig.TrainerKinds)}"),
    };
}
