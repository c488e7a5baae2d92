namespace NasNet.Grains.Campaigns;

/// <summary>
/// The persisted state of a campaign controller: config, strategy bytes, counters and the current slot of each page of
/// the candidate table (the table itself is stored in pages, see <see cref="CampaignPages"/>). Stored with the Orleans
/// binary serializer (see the silo's storage setup).
/// </summary>
[GenerateSerializer, Alias("NasNet.CampaignState")]
public sealed class CampaignState
{
    [Id(0)] public string? ConfigJson { get; set; }

    [Id(1)] public string State { get; set; } = "";

    [Id(2)] public byte[]? Strategy { get; set; }


    [Id(6)] public DateTime StartedUtc { get; set; }

    [Id(7)] public DateTime? EndedUtc { get; set; }

    [Id(8)] public string? Error { get; set; }

    /// <summary>Completions that resumed from a checkpoint epoch.</summary>
    [Id(9)] public int Resumes { get; set; }

    /// <summary>Late or duplicate reports from stale leases, ignored.</summary>
    [Id(10)] public int StaleReports { get; set; }

    [Id(11)] public int Best { get; set; } = -1;

    /// <summary>The record of each page of the candidate table (see <see cref="CampaignPages"/>).</summary>
    [Id(12)] public List<string> Pages { get; set; } = [];

    /// <summary>A shallow copy (every field is a value, a string or an array replaced whole).</summary>
    public CampaignState Copy() => (CampaignState)MemberwiseClone();
}

/// <summary>One candidate as the controller tracks it (details live in its candidate grain).</summary>
[GenerateSerializer, Alias("NasNet.CandidateEntry")]
public sealed class CandidateEntry
{
    [Id(0)] public string Hash { get; set; } = "";

    [Id(1)] public string Status { get; set; } = CandidateStatuses.Pending;

    [Id(2)] public long SampleId { get; set; }

    [Id(3)] public int Attempts { get; set; }

    [Id(4)] public string? LeaseId { get; set; }

    [Id(5)] public string? TrainerId { get; set; }

    [Id(6)] public double Reward { get; set; }

    /// <summary>The candidate whose result this one reuses, or -1.</summary>
    [Id(7)] public int CacheHitOf { get; set; } = -1;

    [Id(8)] public int PolicyVersion { get; set; }

    [Id(9)] public int Epoch { get; set; }

    [Id(10)] public int Epochs { get; set; }

    [Id(11)] public bool RewardApplied { get; set; }

    [Id(12)] public DateTime LeasedUtc { get; set; }

    /// <summary>The genotype JSON until the candidate grain has it (its Init failed, e.g. storage down).</summary>
    [Id(13)] public string? PendingInit { get; set; }

    /// <summary>The position of this candidate's reward in the order rewards were applied, or -1.</summary>
    [Id(14)] public int RewardSeq { get; set; } = -1;

    /// <summary>In memory only: when the current lease expires.</summary>
    [NonSerialized]
    public DateTime ExpiresUtc;

    /// <summary>A copy of the entry as it is now.</summary>
    public CandidateEntry Copy() => (CandidateEntry)MemberwiseClone();
}
