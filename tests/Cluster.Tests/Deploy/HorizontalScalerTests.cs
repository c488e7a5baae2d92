namespace NasNet.Cluster.Tests.Deploy;

/// <summary>
/// The HPA arithmetic of the autoscaling harness on the manifest's own rule (k8s/base/autoscaling.yaml at full
/// time), against values worked out by hand from Kubernetes' algorithm.
/// </summary>
public sealed class HorizontalScalerTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static ScalingRule Rule => ScalingRule.Load(ScalingRule.BaseManifest, timeScale: 1);

    [Fact]
    public void Load_ReadsTheManifestsRule()
    {
        var rule = Rule;

        Assert.Equal("sum(nasnet_pending_work)", rule.Query);
        Assert.Equal(1, rule.Threshold);
        Assert.Equal((1, 8), (rule.MinReplicas, rule.MaxReplicas));
        Assert.Equal(TimeSpan.Zero, rule.Up.StabilizationWindow);
        Assert.Equal(new ScalingPolicy("Pods", 4, TimeSpan.FromSeconds(60)), Assert.Single(rule.Up.Policies));
        Assert.Equal(TimeSpan.FromSeconds(600), rule.Down.StabilizationWindow);
        Assert.Equal(new ScalingPolicy("Pods", 1, TimeSpan.FromSeconds(120)), Assert.Single(rule.Down.Policies));
        Assert.Equal(TimeSpan.FromSeconds(0.25), ScalingRule.Load(ScalingRule.BaseManifest, 1.0 / 60).SyncPeriod);
    }

    [Fact]
    public void ScaleUp_AtMostFourPodsPerMinute_UpToTheMaximum()
    {
        var hpa = new HorizontalScaler(Rule);

        Assert.Equal(5, hpa.Decide(T0, 36, 1).Desired);                    // ceil(36/1) = 36, +4 per period
        Assert.Equal(5, hpa.Decide(T0.AddSeconds(30), 36, 5).Desired);     // the 4 pods of this minute are spent
        Assert.Equal(8, hpa.Decide(T0.AddSeconds(61), 36, 5).Desired);     // a new period: +4, capped at 8
        Assert.Equal(36, hpa.Decide(T0.AddSeconds(90), 36, 8).Raw);
    }

    [Fact]
    public void ScaleDown_WaitsForTheStabilizationWindow_ThenOnePodPerTwoMinutes_ToTheMinimum()
    {
        var hpa = new HorizontalScaler(Rule);
        hpa.Decide(T0, 8, 8);

        Assert.Equal(8, hpa.Decide(T0.AddSeconds(300), 0, 8).Desired);     // the 8 of t=0 is in the 600 s window
        Assert.Equal(7, hpa.Decide(T0.AddSeconds(601), 0, 8).Desired);     // out of it: one pod
        Assert.Equal(7, hpa.Decide(T0.AddSeconds(660), 0, 7).Desired);     // one per 120 s
        Assert.Equal(6, hpa.Decide(T0.AddSeconds(722), 0, 7).Desired);
        var now = T0.AddSeconds(722);
        var replicas = 6;
        for (var i = 0; i < 10; i++)
        {
            now = now.AddSeconds(121);
            replicas = hpa.Decide(now, 0, replicas).Desired;
        }

        Assert.Equal(1, replicas);                                          // the floor, never zero
    }

    [Fact]
    public void WithinTheTolerance_TheCountStays()
    {
        var hpa = new HorizontalScaler(Rule);

        Assert.Equal(4, hpa.Decide(T0, 4.3, 4).Raw);                       // 4.3 / (1 x 4) = 1.075: within 10 %
        Assert.Equal(5, hpa.Decide(T0.AddSeconds(1), 4.5, 4).Raw);         // 1.125: ceil(4.5) = 5
    }
}
