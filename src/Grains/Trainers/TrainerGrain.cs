using Orleans.Placement;

namespace NasNet.Grains.Trainers;

/// <summary>
/// One training slot (see <see cref="ITrainerGrain"/>). Placed on the silo whose training host first calls it, and
/// thin: it pulls leases from the broker and forwards renewals and results to the campaign that leased the work.
/// The lease travels with every call, so a re-activated trainer grain loses nothing (and the campaign's status, not
/// this grain, says what each slot is doing).
/// </summary>
[PreferLocalPlacement]
[Reentrant]
public sealed class TrainerGrain : Grain, ITrainerGrain
{
    private string Id => this.GetPrimaryKeyString();

    public Task<Lease?> RequestWork() => GrainFactory.GetGrain<IWorkBrokerGrain>(0).Lease(Id);

    public Task<bool> Renew(Lease lease, int epoch) => Campaign(lease).Renew(lease.LeaseId, lease.Number, epoch);

    public Task<LeaseAck> Complete(Lease lease, TrainingReport report) => Campaign(lease).Complete(lease.LeaseId, lease.Number, report);

    /// <summary>Forwards a failure naming this trainer (as an expired lease's reason does), for the candidate's attempts.</summary>
    public Task<LeaseAck> Fail(Lease lease, string reason) => Campaign(lease).Fail(lease.LeaseId, lease.Number, $"{reason} (trainer {Id})");

    public Task Release(Lease lease) => Campaign(lease).Release(lease.LeaseId, lease.Number);

    private ICampaignGrain Campaign(Lease lease) => GrainFactory.GetGrain<ICampaignGrain>(lease.CampaignId);
}
