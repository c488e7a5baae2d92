namespace NasNet.Cluster.Tests.Chaos;

/// <summary>Reads campaigns through one Orleans client until they end, checking every read (<see cref="CampaignWatch"/>).</summary>
public static class CampaignPoller
{
    /// <summary>
    /// Reads every <paramref name="every"/> until the campaign is no longer running; read errors (a silo or Redis
    /// going away) are retried. Returns the watch after a final end check.
    /// </summary>
    public static async Task<CandidateView[]> WatchToEndAsync(IGrainFactory grains, CampaignWatch watch, TimeSpan timeout, TimeSpan every, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                await watch.ReadAsync(grains);
                lastError = null;
                if (watch.Last!.State != CampaignState.Running)
                {
                    return await watch.CheckEndAsync(grains);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                lastError = e.Message.Split('\n')[0];
            }

            await Task.Delay(every, ct);
        }

        var s = watch.Last;
        throw new TimeoutException($"campaign {watch.CampaignId} did not end within {timeout.TotalSeconds:0} s (last: {s?.State} {s?.Completed}/{s?.Budget}, running {s?.Running}, pending {s?.Pending}; last error: {lastError})");
    }
}
