using NasNet.K8s.Tests.Kustomize;
using static NasNet.K8s.Tests.Selectors;

namespace NasNet.K8s.Tests;

/// <summary>The KEDA ScaledObject scales the silo Deployment on the pending-work gauge, with a floor and a ceiling.</summary>
public sealed class AutoscalingTests
{
    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void ScaledObject_TargetsTheSiloDeployment(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);
        var target = rendered.Scaler.Spec.ScaleTargetRef;

        Assert.Equal("apps/v1", target.ApiVersion ?? "apps/v1");
        Assert.Equal("Deployment", target.Kind ?? "Deployment");
        Assert.Equal(rendered.SiloDeployment.Metadata.Name, target.Name);
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void ScaledObject_ScalesOnSummedPendingWork_WithFloorCeilingAndCooldown(string overlay)
    {
        var spec = RenderedOverlay.Load(overlay).Scaler.Spec;
        var trigger = Assert.Single(spec.Triggers);

        Assert.Equal("prometheus", trigger.Type);
        Assert.Equal($"sum({SiloContract.PendingWorkMetric})", trigger.Metadata["query"]);
        Assert.StartsWith("http", trigger.Metadata["serverAddress"]);
        Assert.True(double.Parse(trigger.Metadata["threshold"]) > 0);
        // Floor: at least one silo stays (dashboard, controller grains) when no campaign runs; never scale to zero.
        Assert.True(spec.MinReplicaCount >= 1);
        Assert.True(spec.MaxReplicaCount > spec.MinReplicaCount);
        Assert.Null(spec.IdleReplicaCount);
        Assert.True(spec.CooldownPeriod >= 60);
        // Scale-down removes at most one silo per period, after a stabilisation window longer than a drain.
        var down = spec.Advanced!.HorizontalPodAutoscalerConfig!.Behavior!.ScaleDown!;
        Assert.True(down.StabilizationWindowSeconds >= SiloContract.DrainSeconds);
        Assert.All(down.Policies!, p => Assert.True(p.Type == "Pods" && p.Value == 1 && p.PeriodSeconds >= SiloContract.DrainSeconds));
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void ScaledObject_Threshold_IsTheSlotsOfOneSilo(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);
        var container = rendered.SiloContainer;
        var slotsPerSilo = int.Parse(EnvValue(container, "NasNet__Slots"));
        Assert.True(slotsPerSilo > 0, "the manifests fix the slots per silo (0 = auto would make the threshold a guess)");

        var threshold = double.Parse(rendered.Scaler.Spec.Triggers.Single().Metadata["threshold"]);

        Assert.Equal(slotsPerSilo, threshold);
    }

    [Fact]
    public void ScaledObject_StrictParse_RejectsAMisspeltField()
    {
        const string yaml = """
            apiVersion: keda.sh/v1alpha1
            kind: ScaledObject
            metadata:
              name: x
            spec:
              scaleTargetRef:
                name: nasnet-silo
              maxReplicas: 4
            """;

        var error = Assert.ThrowsAny<Exception>(() => ScaledObject.Parse(yaml));

        Assert.Contains("maxReplicas", error.Message);
    }
}
