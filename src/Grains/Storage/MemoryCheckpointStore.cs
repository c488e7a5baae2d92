using System.Collections.Concurrent;

namespace NasNet.Grains.Storage;

/// <summary>
/// In-process checkpoint store (embedded mode and in-process test clusters): one instance shared by every silo of
/// the process through <see cref="Process"/>, so a checkpoint outlives the silo that wrote it.
/// </summary>
public sealed class MemoryCheckpointStore : ICheckpointStore
{
    private readonly ConcurrentDictionary<string, Checkpoint> _checkpoints = new();
    private readonly ConcurrentDictionary<string, byte[]> _weights = new();

    /// <summary>The process-wide instance.</summary>
    public static MemoryCheckpointStore Process { get; } = new();

    /// <summary>Checkpoints currently held.</summary>
    public int Count => _checkpoints.Count;

    public Task SaveAsync(string candidateId, Checkpoint checkpoint)
    {
        _checkpoints[candidateId] = checkpoint;
        return Task.CompletedTask;
    }

    public Task<Checkpoint?> LoadAsync(string candidateId) =>
        Task.FromResult(_checkpoints.TryGetValue(candidateId, out var c) ? c : null);

    public Task DeleteAsync(string candidateId)
    {
        _checkpoints.TryRemove(candidateId, out _);
        return Task.CompletedTask;
    }

    public Task SaveWeightsAsync(string candidateId, byte[] weights)
    {
        _weights[candidateId] = weights;
        return Task.CompletedTask;
    }

    public Task<byte[]?> LoadWeightsAsync(string candidateId) =>
        Task.FromResult(_weights.TryGetValue(candidateId, out var w) ? w : null);
}
