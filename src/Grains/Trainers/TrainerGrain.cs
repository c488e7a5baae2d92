using Orleans.Placement;

namespace NasNet.Grains.Trainers;

/// <summary>
/// One training slot (see <see cref="ITrainerGrain"/>). Placed on the silo whose training host first calls it, and
/// thin: it pulls leases from the broker and forwards renewals and results to the campaign that leased the work.
/// The lease travels with every call, so a re-activated trainer grain loses nothing.
/// </summary>
[PreferLocalPlacement]
[Reentrant]
public sealed class TrainerGrain : Grain, ITrainerGrain
{
    private TrainerActivity? _activity;

    private string Id => this.GetPrimaryKeyString();

    public async Task<Lease?> RequestWork()
    {
        var lease = await GrainFactory.GetGrain<IWorkBrokerGrain>(0).Lease(Id);
        _activity = lease is null ? null : new TrainerActivity(Id, lease.CandidateId, 0, 0, DateTime.UtcNow);
        return lease;
    }

    public Task<bool> Renew(Lease lease, int epoch, int epochs)
    {
        _activity = new TrainerActivity(Id, lease.CandidateId, epoch, epochs, _activity?.SinceUtc ?? DateTime.UtcNow);
        return Campaign(lease).Renew(lease.LeaseId, lease.Number, epoch, epochs);
    }

    public async Task<LeaseAck> Complete(Lease lease, TrainingReport report)
    {
        var ack = await Campaign(lease).Complete(lease.LeaseId, lease.Number, report);
        _activity = null;
        return ack;
    }

    public async Task<LeaseAck> Fail(Lease lease, string reason)
    {
        var ack = await Campaign(lease).Fail(lease.LeaseId, lease.Number, reason);
        _activity = null;
        return ack;
    }

    public async Task Release(Lease lease)
    {
        await Campaign(lease).Release(lease.LeaseId, lease.Number);
        _activity = null;
    }

    public Task<TrainerActivity?> GetActivity() => Task.FromResult(_activity);

    private ICampaignGrain Campaign(Lease lease) => GrainFactory.GetGrain<ICampaignGrain>(lease.CampaignId);
}
