namespace NasNet.Core.SearchSpace;

/// <summary>
/// The built-in search spaces by name: "nasnet" (<see cref="CellSearchSpace.Default"/>, the default) and
/// "nas-bench-201" (<see cref="Nb201SearchSpace.Instance"/>). A campaign names one; its proposals carry
/// <see cref="IArchitecture.Text"/>, which <see cref="Parse"/> turns back into the architecture a trainer consumes.
/// </summary>
public static class SearchSpaces
{
    /// <summary>The names a campaign config may use, the default first.</summary>
    public static readonly IReadOnlyList<string> Names = [CellSearchSpace.SpaceName, Nb201SearchSpace.SpaceName];

    /// <summary>The space of that name; an unknown name is a one-line <see cref="UserErrorException"/>.</summary>
    public static ISearchSpace Get(string name) => name switch
    {
        CellSearchSpace.SpaceName => CellSearchSpace.Default,
        Nb201SearchSpace.SpaceName => Nb201SearchSpace.Instance,
        _ => throw new UserErrorException($"searchSpace '{name}' is not supported (use one of: {string.Join(", ", Names)})"),
    };

    /// <summary>
    /// True when an architecture's text (<see cref="IArchitecture.Text"/>) is a NASNet cell genotype (its JSON object),
    /// false for a tabular space's cell string (NAS-Bench-201: <c>|op~0|+|op~0|op~1|+...</c>): what views need to know
    /// to embed it as JSON or draw its cells, without the campaign's config at hand.
    /// </summary>
    public static bool IsGenotype(string text) => text.AsSpan().TrimStart().StartsWith("{", StringComparison.Ordinal);

    /// <summary>Parses an architecture's text (<see cref="IArchitecture.Text"/>) for the named space.</summary>
    public static IArchitecture Parse(string space, string text) => Get(space).Parse(text);
}
