using NasNet.Core.Controller;
using NasNet.Core.SearchSpace;

namespace NasNet.Core.Tests.Controller;

public class StrategyFactoryTests
{
    private static readonly CellSearchSpace Space = CellSearchSpace.Default;

    [Theory]
    [InlineData("ppo", typeof(PpoSearch))]
    [InlineData("random", typeof(RandomSearch))]
    [InlineData("evolution", typeof(RegularizedEvolution))]
    public void Create_EachKind_ReturnsThatStrategy(string kind, Type type)
    {
        using var s = SearchStrategies.Create(new StrategyOptions { Kind = WireEnum.Parse<StrategyKind>(kind, "kind") }, Space, 1);
        Assert.IsType(type, s);
        Assert.Equal(kind, s.Kind);
    }

    [Fact]
    public void Create_UnknownKind_ThrowsOneLineUserError()
    {
        var e = Assert.Throws<UserErrorException>(() => SearchStrategies.Create(new StrategyOptions { Kind = (StrategyKind)99 }, Space, 1));
        Assert.Contains("'99'", e.Message);
        Assert.Contains("ppo, random, evolution", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Create_InvalidOption_NamesTheField()
    {
        var e = Assert.Throws<UserErrorException>(() => SearchStrategies.Create(new StrategyOptions { Clip = 0 }, Space, 1));
        Assert.StartsWith("strategy.clip", e.Message);
        e = Assert.Throws<UserErrorException>(() => SearchStrategies.Create(new StrategyOptions { Kind = StrategyKind.Evolution, Tournament = 60 }, Space, 1));
        Assert.StartsWith("strategy.tournament", e.Message);
    }

    [Fact]
    public void Restore_StateOfAnotherKind_UserErrorNamesSavedKind()
    {
        using var s = SearchStrategies.Create(new StrategyOptions { Kind = StrategyKind.Random }, Space, 1);
        var e = Assert.Throws<UserErrorException>(() => SearchStrategies.Restore(new StrategyOptions { Kind = StrategyKind.Evolution }, Space, s.Save()));
        Assert.Contains("'random'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("ppo")]
    [InlineData("random")]
    [InlineData("evolution")]
    public void Restore_TruncatedOrGarbageBytes_OneLineUserError(string kind)
    {
        var options = new StrategyOptions { Kind = WireEnum.Parse<StrategyKind>(kind, "kind"), Hidden = 16 };
        using var s = SearchStrategies.Create(options, Space, 1);
        s.Propose();
        var bytes = s.Save();
        foreach (var bad in new[] { bytes[..(bytes.Length / 2)], [], "not a checkpoint"u8.ToArray() })
        {
            var e = Assert.Throws<UserErrorException>(() => SearchStrategies.Restore(options, Space, bad));
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public void Restore_PpoWithOtherHiddenSize_UserErrorNamesField()
    {
        using var s = SearchStrategies.Create(new StrategyOptions { Hidden = 16 }, Space, 1);
        var e = Assert.Throws<UserErrorException>(() => SearchStrategies.Restore(new StrategyOptions { Hidden = 32 }, Space, s.Save()));
        Assert.Contains("strategy.hidden", e.Message);
    }
}
