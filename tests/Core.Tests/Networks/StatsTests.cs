using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using Xunit.Abstractions;

namespace NasNet.Core.Tests.Networks;

public sealed class StatsTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("cifar")]
    [InlineData("mobile")]
    [InlineData("large")]
    public void Count_Presets_Print(string name)
    {
        var c = ArchitectureStats.Count(Genotypes.NasNetA, NetworkConfig.Named(name));
        output.WriteLine($"{name}: {c}");
    }
}
