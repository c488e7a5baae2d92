using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;

namespace NasNet.Core.Tests.Controller;

public class RegularizedEvolutionTests
{
    private static readonly CellSearchSpace Space = CellSearchSpace.Default;

    private static int Differences(int[] a, int[] b) => a.Zip(b).Count(t => t.First != t.Second);

    [Fact]
    public void Observe_PastPopulationSize_RemovesOldestEvenIfBest()
    {
        using var s = new RegularizedEvolution(new StrategyOptions { Kind = StrategyKind.Evolution, Population = 4, Tournament = 2 }, Space, 1);
        var ps = Enumerable.Range(0, 6).Select(_ => s.Propose()).ToArray();
        double[] rewards = [0.99, 0.1, 0.2, 0.3, 0.4, 0.5];
        for (var i = 0; i < 6; i++)
        {
            Assert.True(s.Observe(ps[i].SampleId, rewards[i]));
        }

        Assert.Equal([0.2, 0.3, 0.4, 0.5], s.Population.Select(m => m.Reward));
        Assert.Equal(Space.Encode(ps[2].Genotype), s.Population[0].Decisions);
        Assert.False(s.Observe(ps[0].SampleId, 0.5));
    }

    [Fact]
    public void Propose_AfterPopulationFilled_MutatesOneDecisionOfTheTournamentWinner()
    {
        // Tournament = population: the parent is always the best member.
        using var s = new RegularizedEvolution(new StrategyOptions { Kind = StrategyKind.Evolution, Population = 5, Tournament = 5 }, Space, 2);
        var first = Enumerable.Range(0, 5).Select(_ => s.Propose()).ToArray();
        for (var i = 0; i < 5; i++)
        {
            s.Observe(first[i].SampleId, i == 3 ? 0.9 : 0.1 * i);
        }

        var best = Space.Encode(first[3].Genotype);
        for (var k = 0; k < 20; k++)
        {
            var child = Space.Encode(s.Propose().Genotype);
            Assert.Equal(1, Differences(best, child));
        }
    }

    [Fact]
    public void Propose_FirstPopulation_IsUniformlyRandom()
    {
        using var s = new RegularizedEvolution(new StrategyOptions { Kind = StrategyKind.Evolution, Population = 50, Tournament = 10 }, Space, 3);
        var rows = Enumerable.Range(0, 50).Select(_ => Space.Encode(s.Propose().Genotype)).ToArray();
        // Random 50-decision rows differ in most positions; mutated copies would differ in one.
        for (var i = 1; i < rows.Length; i++)
        {
            Assert.True(Differences(rows[0], rows[i]) > 15);
        }
    }
}
