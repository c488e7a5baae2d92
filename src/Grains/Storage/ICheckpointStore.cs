namespace NasNet.Grains.Storage;

/// <summary>A training checkpoint: the epoch it was taken after and the trainer's state bytes.</summary>
public sealed record Checkpoint(int Epoch, byte[] Data);

/// <summary>
/// Shared storage for training checkpoints (per candidate, overwritten each epoch) and the trained weights, so that
/// work re-leased after a silo loss resumes from the last epoch on any silo. Redis in cluster mode, memory when
/// embedded. Model bytes stay out of grain state.
/// </summary>
public interface ICheckpointStore
{
    Task SaveAsync(string candidateId, Checkpoint checkpoint);

    Task<Checkpoint?> LoadAsync(string candidateId);

    Task DeleteAsync(string candidateId);

    Task SaveWeightsAsync(string candidateId, byte[] weights);

    Task<byte[]?> LoadWeightsAsync(string candidateId);
}
