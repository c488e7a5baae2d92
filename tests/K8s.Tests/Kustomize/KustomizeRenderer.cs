using YamlDotNet.RepresentationModel;

#pragma warning disable IDE1006 // submodule fields are lower-case: they are checkpoint keys

namespace NasNet.K8s.Tests.Kustomize;

/// <summary>
/// Renders a kustomization the way <c>kubectl kustomize</c> does, for the subset of kustomize that k8s/ uses:
/// <c>resources</c> (files and kustomization folders), <c>namespace</c>, <c>labels</c> (metadata only),
/// <c>images</c> and <c>patches</c> given by <c>path</c> (strategic merge for built-in kinds, JSON merge for custom
/// resources, target by kind + name). Any other kustomization field throws, so a feature this renderer does not
/// understand fails the tests instead of being ignored.
/// </summary>
public static class KustomizeRenderer
{
    private static readonly HashSet<string> _supportedFields =
        ["apiVersion", "kind", "namespace", "labels", "resources", "images", "patches"];

    private static readonly HashSet<string> _clusterScopedKinds =
        ["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume", "StorageClass",
         "PriorityClass"];

    /// <summary>Lists (by field name) merged item by item on their <c>name</c> in a strategic merge patch.</summary>
    private static readonly HashSet<string> _mergeByNameLists = ["containers", "initContainers", "env", "volumes"];

    /// <summary>Renders the kustomization in <paramref name="directory"/> into its resources, in order.</summary>
    public static List<YamlMappingNode> Render(string directory)
    {
        var file = Path.Combine(directory, "kustomization.yaml");
        var kustomization = LoadDocuments(file).Single();
        foreach (var key in kustomization.Children.Keys)
        {
            var name = ((YamlScalarNode)key).Value!;
            if (!_supportedFields.Contains(name))
            {
                throw new NotSupportedException($"{file}: kustomization field '{name}' is not supported by this renderer");
            }
        }

        var resources = new List<YamlMappingNode>();
        foreach (var entry in Sequence(kustomization, "resources"))
        {
            var path = Path.GetFullPath(Path.Combine(directory, Scalar(entry)));
            resources.AddRange(Directory.Exists(path) ? Render(path) : LoadDocuments(path));
        }

        foreach (var entry in Sequence(kustomization, "patches"))
        {
            var patchMap = (YamlMappingNode)entry;
            if (patchMap.Children.Count != 1 || !patchMap.Children.ContainsKey("path"))
            {
                throw new NotSupportedException($"{file}: only 'patches: - path: <file>' is supported");
            }
            var patchFile = Path.Combine(directory, Scalar(patchMap["path"]));
            foreach (var patch in LoadDocuments(patchFile))
            {
                var (kind, name) = (KindOf(patch), NameOf(patch));
                var targets = resources.Where(r => KindOf(r) == kind && NameOf(r) == name).ToList();
                if (targets.Count != 1)
                {
                    throw new InvalidOperationException($"{patchFile}: patch for {kind}/{name} matches {targets.Count} resources");
                }
                Merge(targets[0], patch, IsBuiltIn(Scalar(targets[0]["apiVersion"])));
            }
        }

        if (kustomization.Children.TryGetValue("namespace", out var ns))
        {
            foreach (var resource in resources.Where(r => !_clusterScopedKinds.Contains(KindOf(r))))
            {
                Metadata(resource).Children[new YamlScalarNode("namespace")] = new YamlScalarNode(Scalar(ns));
            }
        }

        foreach (var entry in Sequence(kustomization, "labels"))
        {
            var labelEntry = (YamlMappingNode)entry;
            if (labelEntry.Children.Keys.Any(k => Scalar(k) != "pairs"))
            {
                throw new NotSupportedException($"{file}: only 'labels: - pairs:' (metadata labels) is supported");
            }
            foreach (var resource in resources)
            {
                var metadata = Metadata(resource);
                if (!metadata.Children.TryGetValue("labels", out var labels))
                {
                    labels = new YamlMappingNode();
                    metadata.Children[new YamlScalarNode("labels")] = labels;
                }
                foreach (var (key, value) in ((YamlMappingNode)labelEntry["pairs"]).Children)
                {
                    ((YamlMappingNode)labels).Children[new YamlScalarNode(Scalar(key))] = new YamlScalarNode(Scalar(value));
                }
            }
        }

        foreach (var entry in Sequence(kustomization, "images"))
        {
            var image = (YamlMappingNode)entry;
            foreach (var resource in resources)
            {
                ReplaceImages(resource, image);
            }
        }
        return resources;
    }

    /// <summary>Writes one resource back as YAML text.</summary>
    public static string ToYaml(YamlNode node)
    {
        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    public static string KindOf(YamlMappingNode resource) => Scalar(resource["kind"]);

    public static string NameOf(YamlMappingNode resource) => Scalar(Metadata(resource)["name"]);

    public static List<YamlMappingNode> LoadDocuments(string file)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(file))
        {
            stream.Load(reader);
        }
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }

    /// <summary>
    /// Merges <paramref name="patch"/> into <paramref name="target"/>: mappings recursively, a null value deletes the
    /// key; in built-in kinds the lists in <see cref="_mergeByNameLists"/> merge their items by <c>name</c>; all other
    /// lists (and every list of a custom resource, as in a JSON merge patch) are replaced.
    /// </summary>
    public static void Merge(YamlMappingNode target, YamlMappingNode patch, bool strategic)
    {
        foreach (var (key, value) in patch.Children)
        {
            var name = Scalar(key);
            if (value is YamlScalarNode { Value: null or "null" or "~", Style: not YamlDotNet.Core.ScalarStyle.DoubleQuoted and not YamlDotNet.Core.ScalarStyle.SingleQuoted })
            {
                target.Children.Remove(key);
                continue;
            }
            if (!target.Children.TryGetValue(key, out var existing))
            {
                target.Children[key] = value;
            }
            else if (existing is YamlMappingNode existingMap && value is YamlMappingNode patchMap)
            {
                Merge(existingMap, patchMap, strategic);
            }
            else if (strategic && _mergeByNameLists.Contains(name) && existing is YamlSequenceNode existingList &&
                     value is YamlSequenceNode patchList)
            {
                // As kubectl kustomize orders them: the patch's items first (merged into their originals), then the
                // untouched originals in their order. This matters for $(VAR) references between env entries.
                var merged = new List<YamlNode>();
                foreach (var item in patchList.Children.Cast<YamlMappingNode>())
                {
                    var itemName = Scalar(item["name"]);
                    var match = existingList.Children.Cast<YamlMappingNode>().FirstOrDefault(e => Scalar(e["name"]) == itemName);
                    if (match is not null)
                    {
                        Merge(match, item, strategic);
                        existingList.Children.Remove(match);
                    }
                    merged.Add(match ?? item);
                }
                merged.AddRange(existingList.Children);
                existingList.Children.Clear();
                merged.ForEach(existingList.Children.Add);
            }
            else
            {
                target.Children[key] = value;
            }
        }
    }

    private static void ReplaceImages(YamlNode node, YamlMappingNode image)
    {
        if (node is YamlSequenceNode sequence)
        {
            foreach (var child in sequence.Children)
            {
                ReplaceImages(child, image);
            }
            return;
        }
        if (node is not YamlMappingNode map)
        {
            return;
        }
        foreach (var (key, value) in map.Children.ToList())
        {
            if ((Scalar(key) is "containers" or "initContainers") && value is YamlSequenceNode containers)
            {
                foreach (var container in containers.Children.Cast<YamlMappingNode>())
                {
                    if (container.Children.TryGetValue("image", out var current) && ImageName(Scalar(current)) == Scalar(image["name"]))
                    {
                        var newName = image.Children.TryGetValue("newName", out var n) ? Scalar(n) : ImageName(Scalar(current));
                        var newTag = image.Children.TryGetValue("newTag", out var t) ? ":" + Scalar(t) : "";
                        container.Children[new YamlScalarNode("image")] = new YamlScalarNode(newName + newTag);
                    }
                }
            }
            else
            {
                ReplaceImages(value, image);
            }
        }
    }

    /// <summary>The image reference without its tag or digest (<c>host:5000/a/b:1.0</c> gives <c>host:5000/a/b</c>).</summary>
    public static string ImageName(string reference)
    {
        var at = reference.IndexOf('@');
        if (at >= 0)
        {
            reference = reference[..at];
        }
        var colon = reference.LastIndexOf(':');
        return colon > reference.LastIndexOf('/') ? reference[..colon] : reference;
    }

    /// <summary>Built-in API groups: the core group, unqualified groups (apps, batch, policy) and *.k8s.io.</summary>
    public static bool IsBuiltIn(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/');
        var group = slash < 0 ? "" : apiVersion[..slash];
        return !group.Contains('.') || group.EndsWith(".k8s.io", StringComparison.Ordinal);
    }

    private static YamlMappingNode Metadata(YamlMappingNode resource) => (YamlMappingNode)resource["metadata"];

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(key, out var node) ? ((YamlSequenceNode)node).Children : [];

    private static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value ?? "";
}
