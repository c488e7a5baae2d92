using System.Text.RegularExpressions;
using k8s.Models;
using NasNet.K8s.Tests.Kustomize;
using static NasNet.K8s.Tests.Selectors;

namespace NasNet.K8s.Tests;

/// <summary>The silo Deployment against what the silo reads (env), serves (ports, /health, /metrics) and needs.</summary>
public sealed partial class SiloDeploymentTests
{
    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void SiloEnv_EveryVariable_IsOneTheSiloOrOrleansReads(string overlay)
    {
        var container = RenderedOverlay.Load(overlay).SiloContainer;
        var known = SiloContract.Settings.Keys.Select(SiloContract.EnvName)
            .Concat(SiloContract.KubernetesHostingVariables).Concat(SiloContract.HelperVariables).ToHashSet();

        var unknown = container.Env.Select(e => e.Name).Where(n => !known.Contains(n)).ToList();

        Assert.Empty(unknown);
        Assert.Equal(container.Env.Count, container.Env.Select(e => e.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void SiloEnv_SetsEverySettingAndTheKubernetesHostingVariables(string overlay)
    {
        var names = RenderedOverlay.Load(overlay).SiloContainer.Env.Select(e => e.Name).ToHashSet();

        Assert.All(SiloContract.RequiredSettings, s => Assert.Contains(SiloContract.EnvName(s), names));
        Assert.All(SiloContract.KubernetesHostingVariables, v => Assert.Contains(v, names));
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void SiloEnv_DownwardApi_PointsAtThePodFieldsAndOrleansLabels(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);
        var container = rendered.SiloContainer;
        var labels = rendered.SiloDeployment.Spec.Template.Metadata.Labels;

        Assert.Equal("metadata.name", Env(container, "POD_NAME").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.namespace", Env(container, "POD_NAMESPACE").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("status.podIP", Env(container, "POD_IP").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.labels['orleans/serviceId']", Env(container, "ORLEANS_SERVICE_ID").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.labels['orleans/clusterId']", Env(container, "ORLEANS_CLUSTER_ID").ValueFrom.FieldRef.FieldPath);
        // Orleans (from the labels) and the silo's own options must name the same cluster.
        Assert.Equal(labels["orleans/serviceId"], EnvValue(container, "NasNet__ServiceId"));
        Assert.Equal(labels["orleans/clusterId"], EnvValue(container, "NasNet__ClusterId"));
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void Containers_VariableReferences_AreDefinedEarlierInTheSameContainer(string overlay)
    {
        foreach (var (workload, template) in RenderedOverlay.Load(overlay).PodTemplates)
        {
            foreach (var container in template.Spec.Containers)
            {
                var defined = new HashSet<string>();
                foreach (var env in container.Env ?? [])
                {
                    AssertReferencesDefined(env.Value, defined, $"{workload}/{container.Name} env {env.Name}");
                    defined.Add(env.Name);
                }
                foreach (var arg in (container.Args ?? []).Concat(container.Command ?? []))
                {
                    AssertReferencesDefined(arg, defined, $"{workload}/{container.Name} args");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void SiloPorts_MatchTheConfiguredPorts(string overlay)
    {
        var container = RenderedOverlay.Load(overlay).SiloContainer;
        var ports = container.Ports.ToDictionary(p => p.Name, p => p.ContainerPort);

        Assert.Equal(int.Parse(EnvValue(container, "NasNet__SiloPort")), ports["silo"]);
        Assert.Equal(int.Parse(EnvValue(container, "NasNet__GatewayPort")), ports["gateway"]);
        Assert.Equal(int.Parse(EnvValue(container, "NasNet__DashboardPort")), ports["http"]);
        Assert.Equal(SiloContract.Settings["SiloPort"], ports["silo"].ToString());
        Assert.Equal(SiloContract.Settings["GatewayPort"], ports["gateway"].ToString());
        Assert.Equal(SiloContract.Settings["DashboardPort"], ports["http"].ToString());
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void SiloProbes_GetTheHealthEndpointOnTheDashboardPort(string overlay)
    {
        var container = RenderedOverlay.Load(overlay).SiloContainer;
        var dashboardPort = int.Parse(EnvValue(container, "NasNet__DashboardPort"));

        foreach (var probe in new[] { container.ReadinessProbe, container.LivenessProbe, container.StartupProbe })
        {
            Assert.NotNull(probe?.HttpGet);
            Assert.Equal(SiloContract.HealthPath, probe.HttpGet.Path);
            Assert.Equal(dashboardPort, ResolvePort(container, probe.HttpGet.Port));
        }
        // Liveness must tolerate a busy silo longer than readiness does.
        Assert.True(container.LivenessProbe.PeriodSeconds * container.LivenessProbe.FailureThreshold >=
                    (container.ReadinessProbe.PeriodSeconds ?? 10) * (container.ReadinessProbe.FailureThreshold ?? 3));
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void SiloPod_PrometheusAnnotations_ScrapeMetricsOnTheDashboardPort(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);
        var annotations = rendered.SiloDeployment.Spec.Template.Metadata.Annotations;

        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal(EnvValue(rendered.SiloContainer, "NasNet__DashboardPort"), annotations["prometheus.io/port"]);
        Assert.Equal(SiloContract.MetricsPath, annotations["prometheus.io/path"]);
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void SiloPod_GracePeriod_CoversPreStopAndDrain(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);
        var spec = rendered.SiloDeployment.Spec.Template.Spec;
        var preStop = rendered.SiloContainer.Lifecycle.PreStop.Exec.Command;

        Assert.Equal("sleep", preStop[0]);
        var sleep = int.Parse(preStop[1]);
        var drain = double.Parse(EnvValue(rendered.SiloContainer, "NasNet__DrainSeconds"));
        Assert.InRange(sleep, 5, 30);
        Assert.True(drain >= SiloContract.DrainSeconds, $"NasNet__DrainSeconds {drain} < {SiloContract.DrainSeconds}");
        Assert.True(spec.TerminationGracePeriodSeconds >= sleep + drain + SiloContract.LeaveSeconds,
            $"grace {spec.TerminationGracePeriodSeconds}s < preStop {sleep}s + drain {drain}s + leave {SiloContract.LeaveSeconds}s");
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void SiloPod_RbacAllowsKubernetesHostingOnPods(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);
        var spec = rendered.SiloDeployment.Spec.Template.Spec;
        var account = rendered.One<V1ServiceAccount>(spec.ServiceAccountName);
        var binding = rendered.All<V1RoleBinding>().Single(b =>
            b.Subjects.Any(s => s.Kind == "ServiceAccount" && s.Name == account.Metadata.Name));
        var role = rendered.One<V1Role>(binding.RoleRef.Name);

        Assert.NotEqual(false, spec.AutomountServiceAccountToken);
        Assert.NotEqual(false, account.AutomountServiceAccountToken);
        Assert.Equal("Role", binding.RoleRef.Kind);
        var podRule = role.Rules.Single(r => r.Resources.Contains("pods"));
        Assert.Contains("", podRule.ApiGroups);
        Assert.All(new[] { "get", "list", "watch", "patch" }, verb => Assert.Contains(verb, podRule.Verbs));
        Assert.DoesNotContain("*", podRule.Verbs);
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void SiloDeployment_SpreadsPodsAndKeepsCapacityDuringRollouts(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);
        var deployment = rendered.SiloDeployment;
        var podLabels = deployment.Spec.Template.Metadata.Labels;
        var antiAffinity = deployment.Spec.Template.Spec.Affinity.PodAntiAffinity;
        var pdb = rendered.All<V1PodDisruptionBudget>().Single();

        Assert.True(Matches(deployment.Spec.Selector, podLabels));
        var term = antiAffinity.PreferredDuringSchedulingIgnoredDuringExecution.Single().PodAffinityTerm;
        Assert.Equal("kubernetes.io/hostname", term.TopologyKey);
        Assert.True(Matches(term.LabelSelector, podLabels));
        Assert.Equal("0", deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        Assert.True(Matches(pdb.Spec.Selector, podLabels));
        Assert.Equal("1", pdb.Spec.MaxUnavailable.Value);
    }

    [Fact]
    public void GpuOverlay_SiloRequestsOneGpuAndToleratesGpuNodes()
    {
        var rendered = RenderedOverlay.Load("gpu");
        var container = rendered.SiloContainer;

        Assert.Equal("1", container.Resources.Limits["nvidia.com/gpu"].ToString());
        Assert.Equal("1", container.Resources.Requests["nvidia.com/gpu"].ToString());
        Assert.Contains(rendered.SiloDeployment.Spec.Template.Spec.Tolerations, t => t.Key == "nvidia.com/gpu");
        // One slot per GPU, set explicitly (the silo's auto default counts CPU cores).
        Assert.Equal(container.Resources.Limits["nvidia.com/gpu"].ToString(), EnvValue(container, "NasNet__Slots"));
    }

    [Fact]
    public void CpuOverlay_SiloRequestsNoGpuAndFixesItsSlots()
    {
        var container = RenderedOverlay.Load("cpu").SiloContainer;

        Assert.False(container.Resources.Limits.ContainsKey("nvidia.com/gpu"));
        Assert.False(container.Resources.Requests.ContainsKey("nvidia.com/gpu"));
        // One 1-thread training per core requested.
        Assert.Equal(container.Resources.Requests["cpu"].ToString(), EnvValue(container, "NasNet__Slots"));
        // The patch merged into the base container instead of replacing its list: the base env is still there.
        Assert.Equal("redis", EnvValue(container, "NasNet__CheckpointStore"));
    }

    private static void AssertReferencesDefined(string? text, HashSet<string> defined, string where)
    {
        foreach (Match match in VariableReference().Matches(text ?? ""))
        {
            Assert.True(defined.Contains(match.Groups[1].Value), $"{where}: $({match.Groups[1].Value}) is not defined before use");
        }
    }

    [GeneratedRegex(@"(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex VariableReference();
}
