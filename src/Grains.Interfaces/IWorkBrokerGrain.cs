namespace NasNet.Grains.Interfaces;

/// <summary>
/// The cluster's campaign index and work broker (key 0): knows every campaign, and hands out leases by rotating over
/// the running ones, so concurrent campaigns share the trainers fairly (one lease each in turn).
/// </summary>
public interface IWorkBrokerGrain : IGrainWithIntegerKey
{
    Task Register(string campaignId, bool active);

    /// <summary>
    /// A lease from the next running campaign that has work. When none has, waits up to a couple of seconds for
    /// <see cref="WorkAvailable"/> (a campaign started, resumed or re-queued work) before answering null, so idle
    /// trainers start within milliseconds of new work without polling.
    /// </summary>
    Task<Lease?> Lease(string trainerId);

    /// <summary>Wakes the trainers waiting in <see cref="Lease"/>.</summary>
    [AlwaysInterleave]
    Task WorkAvailable();

    /// <summary>Every campaign id ever started on this service, oldest first.</summary>
    [AlwaysInterleave]
    Task<string[]> List();

    /// <summary>The campaigns registered as running (those that hand out work), in registration order.</summary>
    [AlwaysInterleave]
    Task<string[]> ListActive();
}
