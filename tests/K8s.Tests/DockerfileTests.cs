using System.Xml.Linq;
using NasNet.K8s.Tests.Kustomize;

namespace NasNet.K8s.Tests;

/// <summary>
/// The Dockerfiles, checked without a container engine: multi-stage with a cached restore layer that copies every
/// project file the published project needs, the right backend, a non-root user, and an entry point that exists.
/// </summary>
public sealed class DockerfileTests
{
    public static IEnumerable<object[]> Images =>
    [
        ["src/Silo/Dockerfile", "src/Silo/NasNet.Silo.csproj", "cpu"],
        ["src/Silo/Dockerfile.cuda", "src/Silo/NasNet.Silo.csproj", "cuda"],
        ["src/Client/Dockerfile", "src/Client/NasNet.Client.csproj", "cpu"],
    ];

    [Theory]
    [MemberData(nameof(Images))]
    public void Dockerfile_RestoreLayer_CopiesEveryProjectFileBeforeTheSources(string dockerfile, string project, string backend)
    {
        var lines = Instructions(dockerfile);
        // The client's build stage starts with the silo's (shared layers, ClientDockerfile_BuildStage_... below): its
        // cached restore layer is the silo's.
        var layered = dockerfile == "src/Client/Dockerfile" ? "src/Silo/NasNet.Silo.csproj" : project;
        var restore = lines.FindIndex(l => l.StartsWith("RUN dotnet restore", StringComparison.Ordinal));
        var copySources = lines.FindIndex(l => l == "COPY src/ src/");

        Assert.True(restore > 0 && copySources > restore, "restore must run before the sources are copied");
        Assert.Contains(layered, lines[restore]);
        Assert.Contains($"-p:NasNetTorchBackend={backend}", lines[restore]);
        var copiedBeforeRestore = lines.Take(restore).Where(l => l.StartsWith("COPY ", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]).ToHashSet();
        foreach (var needed in ProjectClosure(layered).Append("Directory.Build.props").Append("Directory.Build.targets")
                     .Append("Directory.Packages.props"))
        {
            Assert.Contains(needed, copiedBeforeRestore);
        }
        // global.json pins the dev SDK band (10.0.400+); left out so that any 10.0 SDK image builds the image.
        Assert.DoesNotContain("global.json", copiedBeforeRestore);
        Assert.All(copiedBeforeRestore, source => Assert.True(File.Exists(RepoPaths.Combine(source)), $"{source} does not exist"));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Dockerfile_Publish_UsesTheBackendAndNoGlibcPatch(string dockerfile, string project, string backend)
    {
        var publish = Commands(dockerfile).Single(c => c.StartsWith($"dotnet publish {project}", StringComparison.Ordinal));

        Assert.Contains(project, publish);
        Assert.Contains("--no-restore", publish);
        Assert.Contains($"-p:NasNetTorchBackend={backend}", publish);
        Assert.Contains("-p:TorchSharpWeakenGlibcxx=false", publish);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Dockerfile_FinalStage_IsNonRootUbuntu2404AndStartsTheProjectAssembly(string dockerfile, string project, string backend)
    {
        var lines = Instructions(dockerfile);
        var final = lines.Skip(lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.Ordinal))).ToList();
        var from = final[0];
        var assembly = XDocument.Load(RepoPaths.Combine(project)).Descendants("AssemblyName").Single().Value;

        // Ubuntu 24.04 (noble): libstdc++ has GLIBCXX_3.4.32, so TorchSharp needs no patch.
        Assert.True(from.Contains("-noble") || from.Contains("ubuntu24.04"), from);
        if (backend == "cuda")
        {
            Assert.StartsWith("FROM nvidia/cuda:12.8", from);
        }
        else
        {
            Assert.DoesNotContain("cuda", string.Join('\n', lines));
        }
        var user = final.Last(l => l.StartsWith("USER ", StringComparison.Ordinal))[5..].Trim();
        Assert.NotEqual("root", user);
        Assert.NotEqual("0", user);
        // Absolute: a container run with another working directory (docker run -w, a pod's workingDir) still starts.
        Assert.Equal($"ENTRYPOINT [\"dotnet\", \"/app/{assembly}.dll\"]", final.Last());
        Assert.Contains("WORKDIR /app", final);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Dockerfile_LinuxX64RestoreAndPublish_SoNoOtherPlatformsLibtorchIsCopied(string dockerfile, string project, string backend)
    {
        var commands = Commands(dockerfile).Where(c => c.StartsWith("dotnet restore", StringComparison.Ordinal) || c.StartsWith("dotnet publish", StringComparison.Ordinal)).ToList();

        Assert.All(commands, c => Assert.Contains(" -r linux-x64 ", c));
        Assert.All(commands, c => Assert.Contains($"-p:NasNetTorchBackend={backend}", c));
        Assert.Contains(commands, c => c.StartsWith($"dotnet restore {project}", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.StartsWith($"dotnet publish {project}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("src/Silo/Dockerfile")]
    [InlineData("src/Client/Dockerfile")]
    public void CpuDockerfiles_BaseImagesAreBuildArguments_DefaultingToThePublicNobleImages(string dockerfile)
    {
        var raw = RawInstructions(dockerfile);
        var froms = raw.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();

        Assert.Equal(["FROM ${SDK_IMAGE} AS build", "FROM ${RUNTIME_IMAGE} AS runtime"], froms);
        Assert.Contains("ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble", raw.TakeWhile(l => !l.StartsWith("FROM ", StringComparison.Ordinal)));
        Assert.Contains("ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble", raw.TakeWhile(l => !l.StartsWith("FROM ", StringComparison.Ordinal)));
        // The GLIBCXX fix is an argument of the build stage, off by default (Ubuntu 24.04); Debian bases turn it on.
        Assert.Contains("ARG TORCHSHARP_WEAKEN_GLIBCXX=false", raw.SkipWhile(l => !l.StartsWith("FROM ", StringComparison.Ordinal)));
    }

    [Fact]
    public void ClientDockerfile_BuildStage_IsTheSilosInstructionForInstruction_ThenTheConsole()
    {
        var silo = RawInstructions("src/Silo/Dockerfile");
        var client = RawInstructions("src/Client/Dockerfile");
        var siloBuild = silo.TakeWhile(l => l != "FROM ${RUNTIME_IMAGE} AS runtime").ToList();
        var clientBuild = client.TakeWhile(l => l != "FROM ${RUNTIME_IMAGE} AS runtime").ToList();

        // Shared layers on one builder: the silo's restore and publish are not repeated for the client.
        Assert.Equal(siloBuild, clientBuild.SkipLast(1));
        var console = clientBuild[^1];
        Assert.StartsWith("RUN dotnet restore src/Client/NasNet.Client.csproj ", console);
        Assert.Contains("&& dotnet publish src/Client/NasNet.Client.csproj -c Release --no-restore -r linux-x64 -o /client ", console);
        Assert.Contains("COPY --from=build /client ./", client.SkipWhile(l => l != "FROM ${RUNTIME_IMAGE} AS runtime"));
    }

    [Fact]
    public void CudaDockerfile_Stages_BuildFromTheCpuBuildStageShapeAndCopyOnlyFromDeclaredStages()
    {
        var lines = Instructions("src/Silo/Dockerfile.cuda");
        var stages = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')).ToDictionary(p => p[^1], p => p[1]);
        var cpu = Instructions("src/Silo/Dockerfile");
        var cpuStages = cpu.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).Select(l => l.Split(' ')).ToDictionary(p => p[^1], p => p[1]);

        Assert.Equal(["build", "dotnet", "runtime"], stages.Keys);
        Assert.Equal(cpuStages["build"], stages["build"]);
        // The ASP.NET Core runtime copied into NVIDIA's image is the CPU image's runtime base.
        Assert.Equal(cpuStages["runtime"], stages["dotnet"]);
        var copies = lines.Where(l => l.StartsWith("COPY --from=", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]["--from=".Length..]).ToList();
        Assert.Equal(["dotnet", "build"], copies);
        Assert.All(copies, c => Assert.True(lines.FindIndex(l => l.EndsWith($" AS {c}", StringComparison.Ordinal)) < lines.FindIndex(l => l.StartsWith($"COPY --from={c}", StringComparison.Ordinal))));
        // The build stage is the CPU one with the other backend: same instructions up to the backend switch.
        static string Backendless(string l) => l.Replace("-p:NasNetTorchBackend=cuda", "-p:NasNetTorchBackend=cpu", StringComparison.Ordinal);
        var cudaBuild = lines.TakeWhile(l => !l.EndsWith(" AS dotnet", StringComparison.Ordinal)).Select(Backendless);
        var cpuBuild = cpu.TakeWhile(l => !l.EndsWith(" AS runtime", StringComparison.Ordinal));
        Assert.Equal(cpuBuild, cudaBuild);
        Assert.Contains(lines, l => l.StartsWith("RUN ", StringComparison.Ordinal) && l.Contains("useradd --uid 1654"));
    }

    [Fact]
    public void SiloDockerfiles_ExposeThePortsTheDeploymentDeclares()
    {
        var declared = RenderedOverlay.Load("cpu").SiloContainer.Ports.Select(p => p.ContainerPort.ToString()).Order();

        foreach (var dockerfile in new[] { "src/Silo/Dockerfile", "src/Silo/Dockerfile.cuda" })
        {
            var expose = Instructions(dockerfile).Single(l => l.StartsWith("EXPOSE ", StringComparison.Ordinal));
            Assert.Equal(declared, expose.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..].Order());
        }
    }

    [Fact]
    public void DockerIgnore_KeepsBuildOutputsOutOfTheContext()
    {
        var patterns = File.ReadAllLines(RepoPaths.Combine(".dockerignore")).Select(l => l.Trim()).ToHashSet();

        Assert.Contains("**/bin/", patterns);
        Assert.Contains("**/obj/", patterns);
        Assert.Contains(".git/", patterns);
        Assert.DoesNotContain("src/", patterns);
    }

    /// <summary>
    /// Instructions as <see cref="RawInstructions"/>, with the build arguments (ARG NAME=default) replaced by their
    /// defaults where used as ${NAME}, and the ARG lines dropped: what a build without --build-arg sees.
    /// </summary>
    private static List<string> Instructions(string dockerfile)
    {
        var raw = RawInstructions(dockerfile);
        var args = raw.Where(l => l.StartsWith("ARG ", StringComparison.Ordinal) && l.Contains('='))
            .Select(l => l[4..].Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return raw.Where(l => !l.StartsWith("ARG ", StringComparison.Ordinal))
            .Select(l => args.Aggregate(l, (current, a) => current.Replace("${" + a.Key + "}", a.Value, StringComparison.Ordinal)))
            .ToList();
    }

    /// <summary>The shell commands of the RUN instructions (split at &amp;&amp;), with the build arguments' defaults.</summary>
    private static IEnumerable<string> Commands(string dockerfile) =>
        Instructions(dockerfile).Where(l => l.StartsWith("RUN ", StringComparison.Ordinal))
            .SelectMany(l => l[4..].Split("&&", StringSplitOptions.TrimEntries));

    /// <summary>Instructions with continuation lines joined and comments dropped, whitespace collapsed.</summary>
    private static List<string> RawInstructions(string dockerfile)
    {
        var result = new List<string>();
        var current = "";
        foreach (var raw in File.ReadAllLines(RepoPaths.Combine(dockerfile)))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }
            var continued = line.EndsWith('\\');
            current += " " + (continued ? line[..^1] : line);
            if (!continued)
            {
                result.Add(string.Join(' ', current.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
                current = "";
            }
        }
        return result;
    }

    /// <summary>The project file and every project it references, transitively, as repo-relative paths.</summary>
    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>();
        var stack = new Stack<string>([project]);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            if (!seen.Add(current))
            {
                continue;
            }
            var directory = Path.GetDirectoryName(current)!;
            foreach (var reference in XDocument.Load(RepoPaths.Combine(current)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(RepoPaths.Root, directory, reference.Attribute("Include")!.Value));
                stack.Push(Path.GetRelativePath(RepoPaths.Root, full).Replace('\\', '/'));
            }
        }
        return seen;
    }
}
