using System.Collections.Concurrent;

namespace NasNet.Grains.Hosting;

/// <summary>
/// The one long-lived thread of a training slot: it runs the slot's trainings one after another, off the Orleans
/// scheduler and the thread pool. A new thread per training (long-running tasks) cost a silo dearly: on every gen-2
/// collection the runtime's array-pool trimming walked the buffers of every thread that ever existed (19 of 25
/// CPU-seconds of the utilisation benchmark, bench/RESULTS.md), and each thread adds allocator state.
/// </summary>
internal sealed class SlotThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];

    /// <summary>Starts the thread.</summary>
    public SlotThread(string name)
    {
        var thread = new Thread(() =>
        {
            foreach (var item in _work.GetConsumingEnumerable())
            {
                item();
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the slot's thread; cancelled before it starts when <paramref name="ct"/> is.</summary>
    public Task<T> Run<T>(Func<T> work, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (OperationCanceledException e)
            {
                done.SetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }, CancellationToken.None);
        return done.Task;
    }

    /// <summary>Lets the thread end after the training it runs.</summary>
    public void Dispose() => _work.CompleteAdding();
}
