using NasNet.Core.Campaigns;

namespace NasNet.Core.Tests.Campaigns;

public class CampaignRulesTests
{
    [Fact]
    public void TrainingSeed_FinalRowsOfOneSeedIndex_ShareTheSeed_SearchCandidatesDoNot()
    {
        var found = new FinalWork("found #1", FinalRole.Found, "{}", 0, Seed: 0);
        var random = new FinalWork("random #1", FinalRole.Random, "{}", 0, Seed: 0);
        var nasnetSecondSeed = new FinalWork("nasnet-a", FinalRole.NasNetA, "{}", 0, Seed: 1);

        // Rows numbered 8 and 13 in one campaign: the same seed for seed index 0 (common random numbers) ...
        Assert.Equal(CampaignRules.TrainingSeed(1, 8, found), CampaignRules.TrainingSeed(1, 13, random));
        // ... another for seed index 1, and another campaign seed moves them all.
        Assert.NotEqual(CampaignRules.TrainingSeed(1, 8, found), CampaignRules.TrainingSeed(1, 9, nasnetSecondSeed));
        Assert.NotEqual(CampaignRules.TrainingSeed(1, 8, found), CampaignRules.TrainingSeed(2, 8, found));
        // Search candidates keep one seed per number (a promotion resumes with it), distinct from every final seed.
        Assert.Equal(1_000_003 + 8, CampaignRules.TrainingSeed(1, 8, null));
        Assert.NotEqual(CampaignRules.TrainingSeed(1, 8, null), CampaignRules.TrainingSeed(1, 9, null));
        var finals = Enumerable.Range(0, 20).Select(s => CampaignRules.TrainingSeed(1, 0, found with { Seed = s })).ToHashSet();
        Assert.DoesNotContain(CampaignRules.TrainingSeed(1, 9_999_999, null), finals);
        Assert.Equal(20, finals.Count);
    }
}
