namespace NasNet.Grains.Interfaces;

/// <summary>Marker for the grain interface assembly.</summary>
public static class GrainInterfacesAssembly
{
}
