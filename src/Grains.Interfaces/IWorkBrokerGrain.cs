namespace NasNet.Grains.Interfaces;

/// <summary>
/// The cluster's campaign index and work broker (key 0): knows every campaign, and hands out leases by rotating over
/// the running ones, so concurrent campaigns share the trainers fairly (one lease each in turn).
/// </summary>
public interface IWorkBrokerGrain : IGrainWithIntegerKey
{
    Task Register(string campaignId, bool active);

    /// <summary>A lease from the next running campaign that has work, or null.</summary>
    Task<Lease?> Lease(string trainerId);

    /// <summary>Every campaign id ever started on this service, oldest first.</summary>
    [AlwaysInterleave]
    Task<string[]> List();
}
