namespace NasNet.Core.Tests.Training;

/// <summary>
/// Trainings draw drop-path and dropout masks from TorchSharp's process-wide generator and thread count, so tests
/// that compare two trainings bit for bit run alone (after the parallel tests), never next to other torch tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchTrainingCollection
{
    public const string Name = "torch training (not parallel)";
}
