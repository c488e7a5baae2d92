using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

#pragma warning disable IDE1006 // submodule fields are lower-case: they are checkpoint keys

namespace NasNet.K8s.Tests.Kustomize;

/// <summary>
/// One overlay of k8s/ rendered by <see cref="KustomizeRenderer"/> and parsed strictly into the Kubernetes API types
/// (KubernetesClient's models; KEDA's ScaledObject by <see cref="ScaledObject"/>): unknown fields throw.
/// </summary>
public sealed class RenderedOverlay
{
    private static readonly Dictionary<string, Func<string, object>> _parsers = new()
    {
        ["Namespace"] = y => KubernetesYaml.Deserialize<V1Namespace>(y, strict: true),
        ["Secret"] = y => KubernetesYaml.Deserialize<V1Secret>(y, strict: true),
        ["ConfigMap"] = y => KubernetesYaml.Deserialize<V1ConfigMap>(y, strict: true),
        ["Service"] = y => KubernetesYaml.Deserialize<V1Service>(y, strict: true),
        ["ServiceAccount"] = y => KubernetesYaml.Deserialize<V1ServiceAccount>(y, strict: true),
        ["Role"] = y => KubernetesYaml.Deserialize<V1Role>(y, strict: true),
        ["RoleBinding"] = y => KubernetesYaml.Deserialize<V1RoleBinding>(y, strict: true),
        ["StatefulSet"] = y => KubernetesYaml.Deserialize<V1StatefulSet>(y, strict: true),
        ["Deployment"] = y => KubernetesYaml.Deserialize<V1Deployment>(y, strict: true),
        ["Job"] = y => KubernetesYaml.Deserialize<V1Job>(y, strict: true),
        ["PodDisruptionBudget"] = y => KubernetesYaml.Deserialize<V1PodDisruptionBudget>(y, strict: true),
        ["NetworkPolicy"] = y => KubernetesYaml.Deserialize<V1NetworkPolicy>(y, strict: true),
        ["PersistentVolumeClaim"] = y => KubernetesYaml.Deserialize<V1PersistentVolumeClaim>(y, strict: true),
        ["ScaledObject"] = ScaledObject.Parse,
    };

    private static readonly Dictionary<string, RenderedOverlay> _cache = [];

    private RenderedOverlay(string name, List<YamlMappingNode> nodes)
    {
        Name = name;
        Nodes = nodes;
        Objects = nodes.Select(Parse).ToList();
    }

    public string Name { get; }

    public IReadOnlyList<YamlMappingNode> Nodes { get; }

    public IReadOnlyList<object> Objects { get; }

    public static IEnumerable<object[]> Names => [["cpu"], ["gpu"]];

    /// <summary>k8s/overlays/<paramref name="name"/>, rendered once per test run.</summary>
    public static RenderedOverlay Load(string name)
    {
        lock (_cache)
        {
            if (!_cache.TryGetValue(name, out var overlay))
            {
                overlay = new RenderedOverlay(name, KustomizeRenderer.Render(RepoPaths.Combine("k8s", "overlays", name)));
                _cache[name] = overlay;
            }
            return overlay;
        }
    }

    public static object Parse(YamlMappingNode node)
    {
        var kind = KustomizeRenderer.KindOf(node);
        if (!_parsers.TryGetValue(kind, out var parse))
        {
            throw new NotSupportedException($"kind {kind} has no strict parser in the manifest tests: add one");
        }
        return parse(KustomizeRenderer.ToYaml(node));
    }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T One<T>(string name) where T : IMetadata<V1ObjectMeta> => All<T>().Single(o => o.Metadata.Name == name);

    public V1Deployment SiloDeployment => One<V1Deployment>("nasnet-silo");

    public V1Container SiloContainer => SiloDeployment.Spec.Template.Spec.Containers.Single(c => c.Name == "silo");

    public V1StatefulSet Redis => One<V1StatefulSet>("redis");

    public V1Job ClientJob => One<V1Job>("nasnet-campaign");

    public ScaledObject Scaler => All<ScaledObject>().Single();

    /// <summary>Every pod template of the overlay, by workload name.</summary>
    public IEnumerable<(string Workload, V1PodTemplateSpec Template)> PodTemplates =>
        All<V1Deployment>().Select(d => (d.Metadata.Name, d.Spec.Template))
            .Concat(All<V1StatefulSet>().Select(s => (s.Metadata.Name, s.Spec.Template)))
            .Concat(All<V1Job>().Select(j => (j.Metadata.Name, j.Spec.Template)));
}
