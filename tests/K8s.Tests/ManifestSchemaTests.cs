using k8s;
using k8s.Models;
using NasNet.K8s.Tests.Kustomize;

namespace NasNet.K8s.Tests;

/// <summary>Every rendered manifest is a valid object of its Kubernetes API type, in the nasnet namespace.</summary>
public sealed class ManifestSchemaTests
{
    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void Overlay_EveryDocument_ParsesStrictlyAsItsKind(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);

        Assert.Equal(rendered.Nodes.Count, rendered.Objects.Count);
        var kinds = rendered.Nodes.Select(KustomizeRenderer.KindOf).ToHashSet();
        string[] expected = ["Namespace", "ConfigMap", "Service", "ServiceAccount", "Role", "RoleBinding",
            "StatefulSet", "Deployment", "Job", "PodDisruptionBudget", "NetworkPolicy", "PersistentVolumeClaim", "ScaledObject"];
        Assert.Equal(expected.Order(), kinds.Order());
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void Overlay_ApiVersions_MatchTheTypedKinds(string overlay)
    {
        foreach (var obj in RenderedOverlay.Load(overlay).Objects)
        {
            if (obj is ScaledObject scaler)
            {
                Assert.Equal("keda.sh/v1alpha1", scaler.ApiVersion);
                continue;
            }
            var type = obj.GetType();
            var group = (string)type.GetField("KubeGroup")!.GetValue(null)!;
            var version = (string)type.GetField("KubeApiVersion")!.GetValue(null)!;
            var kind = (string)type.GetField("KubeKind")!.GetValue(null)!;
            var typed = (IKubernetesObject)obj;
            Assert.Equal(string.IsNullOrEmpty(group) ? version : $"{group}/{version}", typed.ApiVersion);
            Assert.Equal(kind, typed.Kind);
        }
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void Overlay_NamespacedObjects_AreInTheNasnetNamespace(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);

        Assert.Equal("nasnet", rendered.One<V1Namespace>("nasnet").Metadata.Name);
        foreach (var obj in rendered.Objects.Where(o => o is not V1Namespace))
        {
            var ns = obj is ScaledObject s ? s.Metadata.Namespace : ((IMetadata<V1ObjectMeta>)obj).Metadata.NamespaceProperty;
            Assert.Equal("nasnet", ns);
        }
        foreach (var binding in rendered.All<V1RoleBinding>())
        {
            Assert.All(binding.Subjects, s => Assert.Equal("nasnet", s.NamespaceProperty));
        }
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void Overlay_Workloads_RunAsNonRootWithResourceRequests(string overlay)
    {
        foreach (var (workload, template) in RenderedOverlay.Load(overlay).PodTemplates)
        {
            Assert.True(template.Spec.SecurityContext?.RunAsNonRoot == true, $"{workload} must run as non-root");
            Assert.All(template.Spec.Containers, c => Assert.NotNull(c.Resources?.Requests));
            Assert.All(template.Spec.Containers, c => Assert.NotNull(c.Resources?.Limits?["memory"]));
        }
    }

    [Theory]
    [MemberData(nameof(RenderedOverlay.Names), MemberType = typeof(RenderedOverlay))]
    public void Overlay_Images_AreReplacedByTheOverlay(string overlay)
    {
        var rendered = RenderedOverlay.Load(overlay);

        var silo = rendered.SiloContainer.Image;
        var client = rendered.ClientJob.Spec.Template.Spec.Containers.Single().Image;
        Assert.Contains("/", silo);
        Assert.Contains("/", client);
        Assert.EndsWith(overlay == "gpu" ? "nasnet-silo-cuda" : "nasnet-silo", KustomizeRenderer.ImageName(silo));
        Assert.EndsWith("nasnet-client", KustomizeRenderer.ImageName(client));
    }
}
