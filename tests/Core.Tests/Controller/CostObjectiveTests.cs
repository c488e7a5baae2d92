using NasNet.Core.Controller;

namespace NasNet.Core.Tests.Controller;

public class CostObjectiveTests
{
    [Fact]
    public void Shape_MnasNetSoft_PenalisesAboveAndRewardsBelowTarget()
    {
        var o = new CostObjective { Metric = CostMetric.Latency, Target = 10 }.Validate();
        Assert.Equal(0.8, o.Shape(0.8, 10), 12);
        Assert.Equal(0.8 * Math.Pow(2, -0.07), o.Shape(0.8, 20), 12);
        Assert.True(o.Shape(0.8, 5) > 0.8);
        // A faster but slightly less accurate cell can win.
        Assert.True(o.Shape(0.79, 5) > o.Shape(0.8, 20));
    }

    [Fact]
    public void Shape_HardStyleExponents_NoBonusBelowSteepAbove()
    {
        var o = new CostObjective { Target = 1e6, ExponentBelow = 0, ExponentAbove = -1 };
        Assert.Equal(0.9, o.Shape(0.9, 5e5), 12);
        Assert.Equal(0.45, o.Shape(0.9, 2e6), 12);
    }

    [Fact]
    public void Reject_AboveHardLimitOnly()
    {
        var o = new CostObjective { Metric = CostMetric.MultAdds, Target = 5e8, HardLimit = 6e8 };
        Assert.False(o.Reject(6e8));
        Assert.True(o.Reject(6.01e8));
        Assert.False(new CostObjective { Target = 1 }.Reject(1e12));
    }

    [Fact]
    public void Validate_BadFields_OneLineUserErrors()
    {
        Assert.StartsWith("cost.target", Assert.Throws<UserErrorException>(() => new CostObjective().Validate()).Message);
        Assert.StartsWith("cost.hardLimit", Assert.Throws<UserErrorException>(() => new CostObjective { Target = 1, HardLimit = -1 }.Validate()).Message);
        Assert.StartsWith("cost.metric", Assert.Throws<UserErrorException>(() => CostObjective.ParseMetric("flops")).Message);
        Assert.Equal(CostMetric.Latency, CostObjective.ParseMetric(" Latency "));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CostObjective { Target = 1 }.Shape(0.5, 0));
    }
}
