using Microsoft.Extensions.Logging;
using NasNet.Grains.Storage;

namespace NasNet.Grains.Trainers;

/// <summary>The persisted campaign index of the broker.</summary>
[GenerateSerializer, Alias("NasNet.BrokerState")]
public sealed class BrokerState
{
    [Id(0)] public List<string> All { get; set; } = [];

    [Id(1)] public List<string> Active { get; set; } = [];
}

/// <summary>
/// Campaign index and fair-share work broker (see <see cref="IWorkBrokerGrain"/>): each lease request starts at the
/// next running campaign in turn, so campaigns running at once get leases alternately.
/// </summary>
[Reentrant]
public sealed class WorkBrokerGrain(
    [PersistentState("broker", "nasnet")] IPersistentState<BrokerState> state,
    ILogger<WorkBrokerGrain> log) : Grain, IWorkBrokerGrain
{
    /// <summary>How long a lease request waits for work before answering null (well inside the call timeout).</summary>
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(2);

    private StateWriter? _writer;
    private int _cursor;
    private TaskCompletionSource _work = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _writer = new StateWriter(async () =>
        {
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                DeactivateOnIdle();
                throw;
            }
        });
        return Task.CompletedTask;
    }

    public async Task Register(string campaignId, bool active)
    {
        var changed = false;
        if (!state.State.All.Contains(campaignId))
        {
            state.State.All.Add(campaignId);
            changed = true;
        }

        if (active && !state.State.Active.Contains(campaignId))
        {
            state.State.Active.Add(campaignId);
            changed = true;
        }
        else if (!active && state.State.Active.Remove(campaignId))
        {
            changed = true;
        }

        if (changed)
        {
            _writer!.Changed();
            await _writer.FlushAsync();
        }

        if (active)
        {
            await WorkAvailable();
        }
    }

    public async Task<Lease?> Lease(string trainerId)
    {
        var signal = _work.Task;
        if (await TryLeaseAsync(trainerId) is { } lease)
        {
            return lease;
        }

        await Task.WhenAny(signal, Task.Delay(IdleWait));
        return signal.IsCompleted ? await TryLeaseAsync(trainerId) : null;
    }

    public Task WorkAvailable()
    {
        Interlocked.Exchange(ref _work, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return Task.CompletedTask;
    }

    private async Task<Lease?> TryLeaseAsync(string trainerId)
    {
        var active = state.State.Active.ToArray();
        if (active.Length == 0)
        {
            return null;
        }

        var start = _cursor++;
        for (var i = 0; i < active.Length; i++)
        {
            var id = active[(int)((uint)(start + i) % (uint)active.Length)];
            try
            {
                if (await GrainFactory.GetGrain<ICampaignGrain>(id).TryLease(trainerId) is { } lease)
                {
                    return lease;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                log.LogWarning("Broker: campaign {CampaignId} did not answer a lease request: {Error}", id, ex.Message);
            }
        }

        return null;
    }

    public Task<string[]> List() => Task.FromResult(state.State.All.ToArray());

    public Task<string[]> ListActive() => Task.FromResult(state.State.Active.ToArray());
}
