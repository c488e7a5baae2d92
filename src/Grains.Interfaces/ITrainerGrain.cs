namespace NasNet.Grains.Interfaces;

/// <summary>
/// One training slot (key: "{silo}/{slot}"), activated on the silo that owns the slot by that silo's training host.
/// It pulls leases from the work broker and forwards renewals and results to the campaign; the training itself runs
/// in the silo's training host, never inside a grain call.
/// </summary>
public interface ITrainerGrain : IGrainWithStringKey
{
    /// <summary>A lease on the next candidate of any running campaign (fair share), or null.</summary>
    Task<Lease?> RequestWork();

    Task<bool> Renew(Lease lease, int epoch);

    Task<LeaseAck> Complete(Lease lease, TrainingReport report);

    Task<LeaseAck> Fail(Lease lease, string reason);

    Task Release(Lease lease);
}
