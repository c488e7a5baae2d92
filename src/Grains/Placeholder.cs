namespace NasNet.Grains;

/// <summary>Marker for the grain assembly.</summary>
public static class GrainsAssembly
{
}
