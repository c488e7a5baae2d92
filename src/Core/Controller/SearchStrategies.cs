using NasNet.Core.SearchSpace;

namespace NasNet.Core.Controller;

/// <summary>Creates and restores strategies by kind (ppo | random | evolution).</summary>
public static class SearchStrategies
{
    /// <summary>The strategy kinds a campaign config may name.</summary>
    public static readonly IReadOnlyList<string> Kinds = WireEnum.All<StrategyKind>();

    /// <summary>A new strategy of the kind in the options, proposing architectures of <paramref name="space"/>.</summary>
    public static ISearchStrategy Create(StrategyOptions options, ISearchSpace space, long seed) => options.Validate().Kind switch
    {
        StrategyKind.Ppo => new PpoSearch(options, space, seed),
        StrategyKind.Random => new RandomSearch(space, seed),
        StrategyKind.Evolution => new RegularizedEvolution(options, space, seed),
        _ => throw Unsupported(options.Kind),
    };

    /// <summary>A strategy continuing exactly from bytes written by <see cref="ISearchStrategy.Save"/>.</summary>
    public static ISearchStrategy Restore(StrategyOptions options, ISearchSpace space, byte[] state)
    {
        try
        {
            return options.Validate().Kind switch
            {
                StrategyKind.Ppo => PpoSearch.Load(options, space, state),
                StrategyKind.Random => RandomSearch.Load(space, state),
                StrategyKind.Evolution => RegularizedEvolution.Load(options, space, state),
                _ => throw Unsupported(options.Kind),
            };
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or IOException or ArgumentException)
        {
            throw new UserErrorException($"the saved {WireEnum.Name(options.Kind)} strategy state is corrupt or does not match the configuration ({e.Message.Split('\n')[0]}): restore a complete checkpoint with the campaign's original settings", e);
        }
    }

    private static UserErrorException Unsupported(StrategyKind kind) => new(WireEnum.NotOneOf<StrategyKind>(kind.ToString(), "strategy.kind"));
}
