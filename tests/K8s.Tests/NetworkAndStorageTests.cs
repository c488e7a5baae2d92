using System.Text.Json;
using k8s.Models;
using NasNet.K8s.Tests.Kustomize;
using static NasNet.K8s.Tests.Selectors;

namespace NasNet.K8s.Tests;

/// <summary>Redis, its NetworkPolicy, the Services and the campaign Job, cross-checked against each other.</summary>
public sealed class NetworkAndStorageTests
{
    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void RedisPolicy_AdmitsOnlySiloAndClientPods(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);
        var redisLabels = rendered.Redis.Spec.Template.Metadata.Labels;
        var policy = rendered.All<V1NetworkPolicy>().Single(p => Matches(p.Spec.PodSelector, redisLabels));

        Assert.Contains("Ingress", policy.Spec.PolicyTypes);
        var rule = Assert.Single(policy.Spec.Ingress);
        Assert.All(rule.FromProperty, peer =>
        {
            Assert.Null(peer.NamespaceSelector);
            Assert.Null(peer.IpBlock);
            Assert.NotNull(peer.PodSelector);
        });
        Assert.Equal(6379, int.Parse(rule.Ports.Single().Port.Value));

        var admitted = rendered.PodTemplates
            .Where(p => rule.FromProperty.Any(peer => Matches(peer.PodSelector, p.Template.Metadata.Labels)))
            .Select(p => p.Workload).Order().ToList();
        Assert.Equal(["nasnet-campaign", "nasnet-silo"], admitted);
        var stranger = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "other" };
        Assert.DoesNotContain(rule.FromProperty, peer => Matches(peer.PodSelector, stranger));
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void Services_AreClusterIpAndReachTheirPods(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);
        var dashboard = rendered.One<V1Service>("nasnet-dashboard");
        var silo = rendered.SiloContainer;

        Assert.All(rendered.All<V1Service>(), s => Assert.Equal("ClusterIP", s.Spec.Type ?? "ClusterIP"));
        Assert.True(Matches(dashboard.Spec.Selector, rendered.SiloDeployment.Spec.Template.Metadata.Labels));
        var port = dashboard.Spec.Ports.Single();
        Assert.Equal(int.Parse(EnvValue(silo, "NasNet__DashboardPort")), ResolvePort(silo, port.TargetPort));

        var redisService = rendered.One<V1Service>("redis");
        var redisContainer = rendered.Redis.Spec.Template.Spec.Containers.Single();
        Assert.True(Matches(redisService.Spec.Selector, rendered.Redis.Spec.Template.Metadata.Labels));
        Assert.Equal(6379, ResolvePort(redisContainer, redisService.Spec.Ports.Single().TargetPort));
        Assert.Equal(redisService.Metadata.Name, rendered.Redis.Spec.ServiceName);
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void Redis_PersistsToAVolumeAndRequiresThePassword(string overlay)
    {
        var redis = RenderedOverlay.Load(overlay).Redis;
        var container = redis.Spec.Template.Spec.Containers.Single();
        var claim = redis.Spec.VolumeClaimTemplates.Single();

        Assert.Contains(container.VolumeMounts, m => m.Name == claim.Metadata.Name && m.MountPath == "/data");
        Assert.Contains("--requirepass", container.Args);
        Assert.Equal("$(REDIS_PASSWORD)", container.Args[container.Args.IndexOf("--requirepass") + 1]);
        // The redis-cli probes authenticate through REDISCLI_AUTH (same Secret key as the server's password).
        Assert.Equal("redis-cli", container.ReadinessProbe.Exec.Command[0]);
        Assert.Equal(Env(container, "REDIS_PASSWORD").ValueFrom.SecretKeyRef.Key, Env(container, "REDISCLI_AUTH").ValueFrom.SecretKeyRef.Key);
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void Secrets_AreNotApplied_AndEveryReferenceNamesTheDocumentedSecret(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);
        var example = (V1Secret)RenderedOverlay.Parse(
            KustomizeRenderer.LoadDocuments(RepoPaths.Combine("k8s", "base", "redis-secret.example.yaml")).Single());

        // An apply of the overlay must never reset the real password to a committed placeholder.
        Assert.DoesNotContain(rendered.Nodes, n => KustomizeRenderer.KindOf(n) == "Secret");
        var references = rendered.PodTemplates
            .SelectMany(p => p.Template.Spec.Containers)
            .SelectMany(c => c.Env ?? [])
            .Select(e => e.ValueFrom?.SecretKeyRef)
            .OfType<V1SecretKeySelector>()
            .ToList();
        Assert.True(references.Count >= 4, "Redis, silo and client read the password from the Secret");
        Assert.All(references, r =>
        {
            Assert.Equal(example.Metadata.Name, r.Name);
            Assert.Contains(r.Key, example.StringData.Keys);
            Assert.NotEqual(true, r.Optional);
        });
        Assert.Equal("nasnet", example.Metadata.NamespaceProperty);
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void RedisConnectionStrings_NameTheRedisServiceAndThePassword(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);
        var service = rendered.One<V1Service>("redis");
        var clientContainer = rendered.ClientJob.Spec.Template.Spec.Containers.Single();

        foreach (var (container, variable) in new[] { (rendered.SiloContainer, "NasNet__Redis"), (clientContainer, "NASNET_CLUSTER") })
        {
            var parts = EnvValue(container, variable).Split(',');
            Assert.Equal($"{service.Metadata.Name}:{service.Spec.Ports.Single().Port}", parts[0]);
            Assert.Contains("password=$(REDIS_PASSWORD)", parts);
        }
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void CampaignJob_StartsTheMountedConfigOnTheCluster(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);
        var pod = rendered.ClientJob.Spec.Template.Spec;
        var container = pod.Containers.Single();
        var args = container.Args;

        Assert.Equal(["campaign", "start"], args.Take(2));
        Assert.Equal("$(NASNET_CLUSTER)", args[args.IndexOf("--cluster") + 1]);
        Assert.Equal("Never", pod.RestartPolicy);
        Assert.Equal(0, rendered.ClientJob.Spec.BackoffLimit);
        var known = SiloContract.ClientVariables.Concat(SiloContract.HelperVariables).ToHashSet();
        Assert.All(container.Env, e => Assert.Contains(e.Name, known));
        Assert.Equal(EnvValue(rendered.SiloContainer, "NasNet__ClusterId"), EnvValue(container, "NASNET_CLUSTER_ID"));
        Assert.Equal(EnvValue(rendered.SiloContainer, "NasNet__ServiceId"), EnvValue(container, "NASNET_SERVICE_ID"));

        var configPath = args[args.IndexOf("--config") + 1];
        var mount = container.VolumeMounts.Single(m => configPath.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        var volume = pod.Volumes.Single(v => v.Name == mount.Name);
        var configMap = rendered.One<V1ConfigMap>(volume.ConfigMap.Name);
        var json = configMap.Data[configPath[(mount.MountPath.Length + 1)..]];
        using var doc = JsonDocument.Parse(json);
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("name").GetString()));
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("strategy").GetProperty("kind").GetString()));
        Assert.True(doc.RootElement.GetProperty("budget").GetProperty("candidates").GetInt32() > 0);

        // The silos train on the dataset: its folder must be on a volume every silo mounts.
        var dataDir = doc.RootElement.GetProperty("dataset").GetProperty("dir").GetString()!;
        var siloPod = rendered.SiloDeployment.Spec.Template.Spec;
        var dataMount = rendered.SiloContainer.VolumeMounts.Single(m => dataDir.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        var claim = siloPod.Volumes.Single(v => v.Name == dataMount.Name).PersistentVolumeClaim.ClaimName;
        var pvc = rendered.One<V1PersistentVolumeClaim>(claim);
        Assert.Contains("ReadWriteMany", pvc.Spec.AccessModes);
    }
}
