using NasNet.Core.Campaigns;

namespace NasNet.Core.Tests.Campaigns;

public sealed class ParetoFrontTests
{
    [Fact]
    public void Of_KeepsOnlyPointsNoCheaperPointBeats_CheapestFirst()
    {
        (double, double)[] points =
        [
            (10, 0.70), // 0: on the front (cheapest)
            (20, 0.65), // 1: dominated by 0
            (20, 0.80), // 2: on the front
            (20, 0.75), // 3: same cost as 2, less accurate
            (30, 0.80), // 4: no better than 2
            (50, 0.90), // 5: on the front
            (0, 0.99),  // 6: no cost measured: left out
        ];

        Assert.Equal([0, 2, 5], ParetoFront.Of(points.Select(p => p.Item1).ToArray(), points.Select(p => p.Item2).ToArray()));
    }

    [Fact]
    public void Of_NoPoints_Empty() => Assert.Empty(ParetoFront.Of([], []));
}
