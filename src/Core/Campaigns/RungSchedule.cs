namespace NasNet.Core.Campaigns;

/// <summary>
/// The epochs at which candidates are evaluated: one rung (no schedule: every candidate trains the child's epochs), or
/// asynchronous successive halving (ASHA, Li et al. 2020): rungs at minEpochs x eta^k up to maxEpochs, and a candidate
/// in the top 1/eta of its rung is promoted to the next as soon as it is (no waiting for a full rung).
/// </summary>
public sealed record RungSchedule
{
    private RungSchedule(IReadOnlyList<int> rungs, int eta)
    {
        Rungs = rungs;
        Eta = eta;
    }

    /// <summary>Epochs of each rung, ascending; the last is the most a candidate trains.</summary>
    public IReadOnlyList<int> Rungs { get; }

    /// <summary>Reduction factor: the top 1/eta of a rung is promoted (1 = no promotion: a single rung).</summary>
    public int Eta { get; }

    /// <summary>True for ASHA (more than one rung).</summary>
    public bool Promotes => Rungs.Count > 1;

    /// <summary>Every candidate trains <paramref name="epochs"/> epochs once.</summary>
    public static RungSchedule Single(int epochs) => new([Math.Max(1, epochs)], 1);

    /// <summary>ASHA rungs minEpochs x eta^k, k = 0, 1, ...; maxEpochs is the last rung even where it is no such power.</summary>
    public static RungSchedule Asha(int minEpochs, int maxEpochs, int eta)
    {
        if (minEpochs < 1 || maxEpochs < minEpochs || eta < 2)
        {
            throw new UserErrorException($"schedule: ASHA needs 1 <= minEpochs <= maxEpochs and eta >= 2 (got {minEpochs}, {maxEpochs}, {eta})");
        }

        var rungs = new List<int>();
        for (long e = minEpochs; e < maxEpochs; e *= eta)
        {
            rungs.Add((int)e);
        }

        rungs.Add(maxEpochs);
        return new RungSchedule(rungs, eta);
    }

    /// <summary>The rung index whose epochs are <paramref name="epochs"/>, or the highest rung at or below it (-1: none).</summary>
    public int RungOf(int epochs)
    {
        var k = -1;
        for (var i = 0; i < Rungs.Count && Rungs[i] <= epochs; i++)
        {
            k = i;
        }

        return k;
    }
}

/// <summary>
/// The cost rules a campaign applies: hard limits on params and mult-adds (known from the architecture before any
/// training: the candidate is rejected, never leased), a limit on measured latency (after training: reward 0), and
/// optional MnasNet shaping of the accuracy by mult-adds or measured latency.
/// </summary>
/// <param name="MaxParams">0 = no limit.</param>
/// <param name="MaxMultAdds">0 = no limit.</param>
/// <param name="MaxLatencyMs">0 = no limit.</param>
/// <param name="Objective">Shaping, or null for the plain accuracy.</param>
public sealed record CostRules(long MaxParams = 0, long MaxMultAdds = 0, double MaxLatencyMs = 0, Controller.CostObjective? Objective = null)
{
    /// <summary>No limits, no shaping.</summary>
    public static readonly CostRules None = new();

    /// <summary>True when proposals must be costed before they are queued.</summary>
    public bool NeedsEstimate => MaxParams > 0 || MaxMultAdds > 0;

    /// <summary>Why an architecture of this size is rejected before training, or null.</summary>
    public string? RejectBeforeTraining(long parameters, long multAdds) =>
        MaxParams > 0 && parameters > MaxParams ? $"{parameters:N0} params > cost.maxParams {MaxParams:N0}"
        : MaxMultAdds > 0 && multAdds > MaxMultAdds ? $"{multAdds:N0} mult-adds > cost.maxMultAdds {MaxMultAdds:N0}"
        : null;

    /// <summary>The objective of a trained result: 0 when diverged or over the latency limit, else the (shaped) accuracy.</summary>
    public double Score(TrainedResult r)
    {
        if (r.Diverged || (MaxLatencyMs > 0 && r.LatencyMs > MaxLatencyMs))
        {
            return 0;
        }

        if (Objective is not { } o)
        {
            return r.ValidationAccuracy;
        }

        var cost = o.Metric == Controller.CostMetric.Latency ? r.LatencyMs : r.MultAdds;
        return cost > 0 ? o.Shape(r.ValidationAccuracy, cost) : r.ValidationAccuracy;
    }
}

/// <summary>Params and mult-adds of an architecture as the campaign's children are built (computed, not trained).</summary>
public sealed record ArchitectureCost(long Params, long MultAdds);

/// <summary>Costs a serialized architecture before training (the controller's cost rules use it).</summary>
public interface ICostModel
{
    ArchitectureCost Estimate(string architecture);
}
