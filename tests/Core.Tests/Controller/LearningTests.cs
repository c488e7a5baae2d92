using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;
using Xunit.Abstractions;

namespace NasNet.Core.Tests.Controller;

public class LearningTests(ITestOutputHelper output)
{
    /// <summary>
    /// PPO against random search at an equal budget on a synthetic reward with a known optimum (the share of the 50
    /// decisions equal to a hidden target, plus noise), with rewards returned out of order by 10 simulated workers.
    /// The learning rate is 0.01 instead of the paper's 0.00035, which is too slow for an 800-sample budget; every
    /// other setting is the paper's. Fixed seeds: the run is deterministic (measured here: ppo 0.346 vs random 0.241).
    /// Floating-point details of another CPU change the trajectory, so the margin is sized on five seed sets, whose
    /// margins were 0.05 to 0.15; 0.03 is still about seven standard errors of a 200-sample mean of random search.
    /// </summary>
    [Fact]
    public void Ppo_SyntheticTargetReward_BeatsRandomSearchAtEqualBudget()
    {
        var space = CellSearchSpace.Default;
        const int Budget = 800;
        double LastMean(string kind)
        {
            var options = new StrategyOptions { Kind = WireEnum.Parse<StrategyKind>(kind, "kind"), LearningRate = 0.01 };
            using var s = SearchStrategies.Create(options, space, 1);
            var reward = new SyntheticTargetReward(space, 2, noise: 0.05);
            var exact = new List<double>();
            new StrategyDriver(workers: 10, seed: 3).Run(s, space, g =>
            {
                exact.Add(reward.Exact(g));
                return reward.Reward(g);
            }, Budget);
            return exact.Skip(Budget - 200).Average();
        }

        var random = LastMean("random");
        var ppo = LastMean("ppo");
        output.WriteLine($"mean noiseless reward of the last 200 samples: ppo {ppo:F3}, random {random:F3}");
        Assert.InRange(random, 0.20, 0.30); // chance level: about 0.245
        Assert.True(ppo > random + 0.03, $"ppo {ppo:F3} vs random {random:F3} over the last 200 samples");
    }
}
