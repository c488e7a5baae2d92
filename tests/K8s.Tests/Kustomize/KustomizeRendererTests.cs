using YamlDotNet.RepresentationModel;

namespace NasNet.K8s.Tests.Kustomize;

/// <summary>The renderer itself: the kustomize behaviour the manifest checks rely on.</summary>
public sealed class KustomizeRendererTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nasnet-kustomize-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Render_StrategicPatch_MergesContainersAndEnvByNameInKubectlOrderAndReplacesOtherLists()
    {
        Write("base/kustomization.yaml", "resources:\n  - app.yaml\n");
        Write("base/app.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: app
            spec:
              template:
                spec:
                  tolerations:
                    - key: a
                  containers:
                    - name: main
                      image: registry.local:5000/app:1.0
                      env:
                        - name: A
                          value: "1"
                        - name: B
                          value: "2"
                    - name: side
                      image: side
            """);
        Write("over/kustomization.yaml", """
            namespace: ns
            resources:
              - ../base
            images:
              - name: registry.local:5000/app
                newName: example/app
                newTag: "2.0"
            patches:
              - path: patch.yaml
            """);
        Write("over/patch.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: app
            spec:
              template:
                spec:
                  tolerations:
                    - key: b
                  containers:
                    - name: main
                      env:
                        - name: B
                          value: "3"
                        - name: C
                          value: "4"
            """);

        var app = Assert.Single(KustomizeRenderer.Render(Path.Combine(_dir, "over")));

        var spec = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)app["spec"])["template"])["spec"];
        var containers = (YamlSequenceNode)spec["containers"];
        Assert.Equal(2, containers.Children.Count);
        var main = (YamlMappingNode)containers.Children[0];
        Assert.Equal("example/app:2.0", main["image"].ToString());
        var env = ((YamlSequenceNode)main["env"]).Children.Cast<YamlMappingNode>()
            .Select(e => $"{e["name"]}={e["value"]}").ToList();
        Assert.Equal(["B=3", "C=4", "A=1"], env);
        Assert.Equal("b", ((YamlMappingNode)((YamlSequenceNode)spec["tolerations"]).Children.Single())["key"].ToString());
        Assert.Equal("ns", ((YamlMappingNode)app["metadata"])["namespace"].ToString());
    }

    [Fact]
    public void Render_UnsupportedKustomizeField_Throws()
    {
        Write("k/kustomization.yaml", "resources: []\nconfigMapGenerator:\n  - name: x\n");

        var error = Assert.Throws<NotSupportedException>(() => KustomizeRenderer.Render(Path.Combine(_dir, "k")));

        Assert.Contains("configMapGenerator", error.Message);
    }

    [Fact]
    public void Render_PatchWithoutTarget_Throws()
    {
        Write("k/kustomization.yaml", "resources: []\npatches:\n  - path: p.yaml\n");
        Write("k/p.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: missing\n");

        Assert.Throws<InvalidOperationException>(() => KustomizeRenderer.Render(Path.Combine(_dir, "k")));
    }

    [Fact]
    public void RenderedOverlay_UnknownFieldInADeployment_FailsTheStrictParse()
    {
        Write("k/kustomization.yaml", "resources:\n  - d.yaml\n");
        Write("k/d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicaz: 2\n");
        var node = KustomizeRenderer.Render(Path.Combine(_dir, "k")).Single();

        var error = Assert.ThrowsAny<Exception>(() => RenderedOverlay.Parse(node));

        Assert.Contains("replicaz", error.Message);
    }

    [Theory]
    [InlineData("redis:7.2", "redis")]
    [InlineData("host:5000/a/b:1.0", "host:5000/a/b")]
    [InlineData("host:5000/a/b", "host:5000/a/b")]
    [InlineData("a/b@sha256:abc", "a/b")]
    public void ImageName_DropsTagAndDigestOnly(string reference, string expected) =>
        Assert.Equal(expected, KustomizeRenderer.ImageName(reference));

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
