namespace NasNet.Grains.Storage;

/// <summary>
/// Group commit for a reentrant grain's persistent state: callers mark a change and await a write that started after
/// it, so many concurrent changes share one storage write and none is acknowledged before it is stored.
/// </summary>
public sealed class StateWriter(Func<Task> write)
{
    private long _changes;
    private long _stored;
    private Task? _writing;

    /// <summary>Records that the state changed (call synchronously, right after the change).</summary>
    public void Changed() => _changes++;

    /// <summary>True when some change has not been stored yet.</summary>
    public bool Dirty => _stored < _changes;

    /// <summary>Completes once every change made before the call is stored.</summary>
    public async Task FlushAsync()
    {
        var target = _changes;
        while (_stored < target)
        {
            if (_writing is { } inFlight)
            {
                try
                {
                    await inFlight;
                }
                catch
                {
                    // The write that failed belongs to another caller; this caller starts its own below.
                }

                continue;
            }

            var covers = _changes;
            var task = write();
            _writing = task;
            try
            {
                await task;
                _stored = Math.Max(_stored, covers);
            }
            finally
            {
                if (ReferenceEquals(_writing, task))
                {
                    _writing = null;
                }
            }
        }
    }
}
