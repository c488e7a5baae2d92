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

    /// <summary>
    /// The training seed of a lease. A search candidate's comes from its number (a promotion keeps it). Every row of a
    /// final evaluation trains its seed index s with the same seed (common random numbers): the same data order and
    /// the same generator seed at build, so the rows differ by their architectures, not by draws. Until 2026-12-02
    /// final rows were seeded by number too: one random cell scored 78.91 % and 77.68 % test as final row 9 and 13.
    /// </summary>
    public static long TrainingSeed(long campaignSeed, int number, FinalWork? final) =>
        campaignSeed * 1_000_003 + (final is null ? number : FinalSeedOffset + final.Seed);

    /// <summary>Final seeds sit past any search number (at most 10,000,000 candidates).</summary>
    private const long FinalSeedOffset = 500_000_000;

    /// <summary>Plans final evaluations of this campaign's cells (it builds children on the meta device: call it off any scheduler).</summary>
    public static FinalPlanner Planner(CampaignConfig c, FinalSettings final)
    {
        var (size, channels, classes) = ChildCostModel.ShapeOf(c.Child);
        return new FinalPlanner(final, c.Child, c.Seed, size, channels, classes);
    }
}
