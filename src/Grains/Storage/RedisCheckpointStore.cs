using System.Buffers.Binary;
using StackExchange.Redis;

namespace NasNet.Grains.Storage;

/// <summary>
/// Checkpoints and weights in Redis (StackExchange.Redis), under "nasnet/{serviceId}/ckpt/{candidate}" and
/// ".../weights/{candidate}". Value = 4-byte epoch + state bytes. The multiplexer reconnects by itself after an outage.
/// </summary>
public sealed class RedisCheckpointStore(IConnectionMultiplexer redis, string serviceId) : ICheckpointStore
{
    private IDatabase Db => redis.GetDatabase();

    private RedisKey CheckpointKey(string id) => $"nasnet/{serviceId}/ckpt/{id}";

    private RedisKey WeightsKey(string id) => $"nasnet/{serviceId}/weights/{id}";

    public Task SaveAsync(string candidateId, Checkpoint checkpoint)
    {
        var value = new byte[checkpoint.Data.Length + 4];
        BinaryPrimitives.WriteInt32LittleEndian(value, checkpoint.Epoch);
        checkpoint.Data.CopyTo(value, 4);
        return Db.StringSetAsync(CheckpointKey(candidateId), value);
    }

    public async Task<Checkpoint?> LoadAsync(string candidateId)
    {
        var value = await Db.StringGetAsync(CheckpointKey(candidateId));
        if (value.IsNull)
        {
            return null;
        }

        var bytes = (byte[])value!;
        return bytes.Length < 4 ? null : new Checkpoint(BinaryPrimitives.ReadInt32LittleEndian(bytes), bytes[4..]);
    }

    public Task DeleteAsync(string candidateId) => Db.KeyDeleteAsync(CheckpointKey(candidateId));

    public Task SaveWeightsAsync(string candidateId, byte[] weights) => Db.StringSetAsync(WeightsKey(candidateId), weights);

    public async Task<byte[]?> LoadWeightsAsync(string candidateId)
    {
        var value = await Db.StringGetAsync(WeightsKey(candidateId));
        return value.IsNull ? null : (byte[])value!;
    }
}
