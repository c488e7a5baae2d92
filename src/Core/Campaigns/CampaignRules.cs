namespace NasNet.Core.Campaigns;

/// <summary>What a campaign's config means for its ledger: the rules, the cost model and the final-evaluation planner.</summary>
public static class CampaignRules
{
    /// <summary>The ledger's rules from the config.</summary>
    public static LedgerSettings Settings(CampaignConfig c) => new(
        c.Budget.Candidates, c.Budget.MaxConcurrent, c.Lease.Seconds, c.Lease.MaxAttempts, c.Schedule.Rungs(c.Child.Epochs),
        Cost(c), c.Budget.MaxEpochs, c.Final);

    /// <summary>The search space the config names.</summary>
    public static SearchSpace.ISearchSpace Space(CampaignConfig c) => SearchSpace.SearchSpaces.Get(WireEnum.Name(c.SearchSpace));

    /// <summary>The cost limits and shaping of the config.</summary>
    public static CostRules Cost(CampaignConfig c) => c.Cost.Rules();

    /// <summary>Costs architectures before training when the config limits params or mult-adds, else null.</summary>
    public static ICostModel? CostModel(CampaignConfig c) => Cost(c).NeedsEstimate ? ChildCostModel.For(c.Child) : null;

    /// <summary>Plans final evaluations of this campaign's cells (it builds children on the meta device: call it off any scheduler).</summary>
    public static FinalPlanner Planner(CampaignConfig c, FinalSettings final)
    {
        var (size, channels, classes) = ChildCostModel.ShapeOf(c.Child);
        return new FinalPlanner(final, c.Child, c.Seed, size, channels, classes);
    }
}
