using System.Text.RegularExpressions;
using NasNet.K8s.Tests.Kustomize;
using static NasNet.K8s.Tests.Selectors;

namespace NasNet.K8s.Tests;

/// <summary>deploy/cluster.sh (the images on one machine) stops silos as the manifests do.</summary>
public sealed partial class LocalClusterScriptTests
{
    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void ClusterScript_DrainAndGracePeriod_AreTheManifests(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);
        var script = File.ReadAllText(RepoPaths.Combine("deploy", "cluster.sh"));

        Assert.Equal(rendered.SiloDeployment.Spec.Template.Spec.TerminationGracePeriodSeconds.ToString(), Setting().Match(script) is { Success: true } g ? g.Groups[1].Value : "missing grace_seconds");
        Assert.Equal(EnvValue(rendered.SiloContainer, "NasNet__DrainSeconds"), Drain().Match(script) is { Success: true } d ? d.Groups[1].Value : "missing drain_seconds");
        Assert.Contains("--stop-timeout \"$grace_seconds\"", script);
        Assert.Contains("-e \"NasNet__DrainSeconds=$drain_seconds\"", script);
    }

    [GeneratedRegex(@"(?m)^grace_seconds=(\d+)$")]
    private static partial Regex Setting();

    [GeneratedRegex(@"(?m)^drain_seconds=(\d+)$")]
    private static partial Regex Drain();
}
