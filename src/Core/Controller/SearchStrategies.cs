using NasNet.Core.SearchSpace;

namespace NasNet.Core.Controller;

/// <summary>Creates and restores strategies by kind (ppo | random | evolution).</summary>
public static class SearchStrategies
{
    /// <summary>The strategy kinds a campaign config may name.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["ppo", "random", "evolution"];

    /// <summary>A new strategy of the kind in the options.</summary>
    public static ISearchStrategy Create(StrategyOptions options, CellSearchSpace space, long seed) => options.Kind switch
    {
        "random" => new RandomSearch(space, seed),
        _ => throw new UserErrorException($"strategy.kind '{options.Kind}' is not supported (use one of: {string.Join(", ", Kinds)})"),
    };

    /// <summary>A strategy continuing exactly from bytes written by <see cref="ISearchStrategy.Save"/>.</summary>
    public static ISearchStrategy Restore(StrategyOptions options, CellSearchSpace space, byte[] state) => options.Kind switch
    {
        "random" => RandomSearch.Load(space, state),
        _ => throw new UserErrorException($"strategy.kind '{options.Kind}' is not supported (use one of: {string.Join(", ", Kinds)})"),
    };
}
