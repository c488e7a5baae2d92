namespace NasNet.K8s.Tests;

/// <summary>Locates the repository root (the folder holding NasNet.sln) from the test's output folder.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NasNet.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"NasNet.sln not found above {AppContext.BaseDirectory}");
    }
}
