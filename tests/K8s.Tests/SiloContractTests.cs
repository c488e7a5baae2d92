using System.Globalization;
using NasNet.Grains.Hosting;

namespace NasNet.K8s.Tests;

public class SiloContractTests
{
    [Fact]
    public void SiloContract_Settings_AreExactlyNasNetOptionsWithItsDefaults()
    {
        var defaults = new NasNetOptions();
        var actual = typeof(NasNetOptions).GetProperties()
            .Where(p => p.CanWrite)
            .ToDictionary(p => p.Name, p => Convert.ToString(p.GetValue(defaults), CultureInfo.InvariantCulture) ?? "");

        Assert.Equal(actual.Keys.Order(), SiloContract.Settings.Keys.Order());
        foreach (var (key, value) in SiloContract.Settings)
        {
            Assert.True(string.Equals(actual[key], value, StringComparison.OrdinalIgnoreCase), $"NasNet:{key} defaults to '{actual[key]}', the contract says '{value}'");
        }
    }
}
