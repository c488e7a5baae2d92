using NasNet.Core;
using NasNet.Core.Campaigns;
using NasNet.Core.Training;

namespace NasNet.Grains.Hosting;

/// <summary>
/// Resolves a campaign's trainer kind to an <see cref="ICandidateTrainer"/>: simulated is built in; torch is whatever
/// <see cref="Torch"/> creates (the TorchSharp trainer of Core, one per process; replaceable for tests).
/// </summary>
public sealed class TrainerFactory
{
    private static readonly Lazy<TorchCandidateTrainer> SharedTorch = new(() => new TorchCandidateTrainer());

    /// <summary>Creates the torch trainer (null = not available in this build).</summary>
    public static Func<ICandidateTrainer>? Torch { get; set; } = () => SharedTorch.Value;

    public ICandidateTrainer Create(TrainerSettings settings) => settings.Kind switch
    {
        TrainerKind.Simulated => new SimulatedTrainer(settings.SecondsPerEpoch, settings.Noise),
        TrainerKind.Torch => Torch?.Invoke() ?? throw new UserErrorException("trainer.kind 'torch' is not available in this build: use trainer.kind 'simulated'"),
        _ => throw new UserErrorException($"trainer.kind '{WireNames.Of(settings.Kind)}' is not available in this build: use one of torch, simulated"),
    };
}
