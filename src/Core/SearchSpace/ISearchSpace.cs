namespace NasNet.Core.SearchSpace;

/// <summary>
/// One softmax head of the controller: a named group of decisions that share an output layer and a block of input
/// embeddings (e.g. NASNet's "inputs", "ops", "combines"). <see cref="Width"/> is the largest choice count among its
/// positions; a position with fewer choices masks the rest.
/// </summary>
/// <param name="Name">The head's name; also the checkpoint key of its output layer.</param>
/// <param name="Width">Number of outputs.</param>
public sealed record DecisionHead(string Name, int Width);

/// <summary>
/// A search space as data: a fixed-length sequence of categorical decisions, each with its own number of choices,
/// that decodes to an architecture. Strategies consume only this (PPO's LSTM emits the decisions head by head,
/// evolution mutates one decision, random search draws each uniformly), so a new space needs no strategy code.
/// Built-in spaces: <see cref="SearchSpaces"/>.
/// </summary>
public interface ISearchSpace
{
    /// <summary>The space's name as a campaign config names it ("nasnet", "nas-bench-201").</summary>
    string Name { get; }

    /// <summary>Decisions per architecture.</summary>
    int DecisionCount { get; }

    /// <summary>The controller heads, in the order their layers are registered.</summary>
    IReadOnlyList<DecisionHead> Heads { get; }

    /// <summary>The head (index into <see cref="Heads"/>) that emits the decision at a position.</summary>
    int HeadOf(int position);

    /// <summary>Number of choices at a position (at most the width of its head).</summary>
    int ChoiceCount(int position);

    /// <summary>The architecture a full decision sequence describes; <see cref="ArgumentException"/> when malformed.</summary>
    IArchitecture Decode(IReadOnlyList<int> decisions);

    /// <summary>The decision sequence of an architecture of this space; <see cref="ArgumentException"/> when it is not one.</summary>
    int[] Encode(IArchitecture architecture);

    /// <summary>Parses <see cref="IArchitecture.Text"/> back; a malformed text is a one-line <see cref="UserErrorException"/>.</summary>
    IArchitecture Parse(string text);
}

/// <summary>
/// An architecture of some <see cref="ISearchSpace"/>: what a proposal carries, a lease serialises and a trainer
/// consumes. NASNet's is <see cref="Genotype"/>; NAS-Bench-201's is <see cref="Nb201Cell"/>.
/// </summary>
public interface IArchitecture
{
    /// <summary>The name of the space it belongs to (<see cref="ISearchSpace.Name"/>).</summary>
    string SpaceName { get; }

    /// <summary>Canonical hash: equal for equivalent (isomorphic) architectures, so a repeat is a cache hit.</summary>
    string Hash { get; }

    /// <summary>The serialised form (NASNet: compact genotype JSON; NAS-Bench-201: the benchmark's cell string).</summary>
    string Text { get; }
}

/// <summary>Helpers over any <see cref="ISearchSpace"/>.</summary>
public static class SearchSpaceExtensions
{
    /// <summary>Uniformly random decisions, one draw per position in order (the paper's random-search baseline).</summary>
    public static int[] RandomDecisions(this ISearchSpace space, Rng rng)
    {
        var d = new int[space.DecisionCount];
        for (var p = 0; p < d.Length; p++)
        {
            d[p] = rng.Next(space.ChoiceCount(p));
        }

        return d;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the row has the space's length and every value is a valid choice.</summary>
    public static void CheckDecisions(this ISearchSpace space, IReadOnlyList<int> decisions)
    {
        if (decisions.Count != space.DecisionCount)
        {
            throw new ArgumentException($"expected {space.DecisionCount} decisions, got {decisions.Count}");
        }

        for (var p = 0; p < decisions.Count; p++)
        {
            if (decisions[p] < 0 || decisions[p] >= space.ChoiceCount(p))
            {
                throw new ArgumentException(
                    $"decision {p} ({space.Heads[space.HeadOf(p)].Name}) is {decisions[p]}; allowed 0..{space.ChoiceCount(p) - 1}");
            }
        }
    }
}
