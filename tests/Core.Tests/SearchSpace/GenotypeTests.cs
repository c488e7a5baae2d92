using System.Reflection;
using System.Text.Json.Nodes;
using NasNet.Core.SearchSpace;

namespace NasNet.Core.Tests.SearchSpace;

/// <summary>Genotype JSON, validation messages, canonical hash, decision encoding.</summary>
public sealed class GenotypeTests
{
    private static string NasNetAJson()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("nasnet-a.json")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string Json(string normalBlocks, string normalConcat = "", string? reduction = null)
    {
        var cell = $"{{\"blocks\": [{normalBlocks}]{(normalConcat.Length > 0 ? $", \"concat\": {normalConcat}" : string.Empty)}}}";
        return $"{{\"normal\": {cell}, \"reduction\": {reduction ?? cell}}}";
    }

    [Fact]
    public void Parse_SpecNasNetAFile_EqualsPresetAndRoundTrips()
    {
        var parsed = GenotypeJson.Parse(NasNetAJson());

        Assert.Equal(Genotypes.NasNetA, parsed);
        Assert.Equal([0, 2, 3, 4, 5, 6], parsed.Normal.Concat);
        Assert.Equal([3, 4, 5, 6], parsed.Reduction.Concat);
        Assert.Equal(Genotypes.NasNetA, GenotypeJson.Parse(GenotypeJson.Serialize(parsed)));
        Assert.Equal(Genotypes.NasNetA, GenotypeJson.Parse(GenotypeJson.SerializeCompact(parsed)));
        Assert.Equal(parsed.Hash, GenotypeJson.Parse(GenotypeJson.Serialize(parsed)).Hash);
        Assert.Equal(Genotypes.NasNetA, Genotypes.Preset("NASNET-A"));
    }

    [Fact]
    public void Parse_RandomGenotypes_RoundTripExactly()
    {
        var space = new CellSearchSpace(operations: Operations.Paper13);
        var rng = new Rng(7);
        for (var i = 0; i < 50; i++)
        {
            var g = space.Decode(space.RandomDecisions(rng));
            var back = GenotypeJson.Parse(GenotypeJson.Serialize(g));
            Assert.Equal(g, back);
            Assert.Equal(GenotypeJson.Serialize(g), GenotypeJson.Serialize(back));
        }
    }

    [Fact]
    public void Parse_WithoutConcat_UsesPaperRule()
    {
        var g = GenotypeJson.Parse(Json("""
            {"inputs": [0, 1], "ops": ["conv_3x3", "identity"], "combine": "add"},
            {"inputs": [2, 1], "ops": ["max_pool_3x3", "sep_conv_3x3"], "combine": "concat"},
            {"inputs": [0, 0], "ops": ["avg_pool_3x3", "identity"], "combine": "add"}
            """));
        Assert.Equal([3, 4], g.Normal.Concat);
        Assert.Equal(Combine.Concat, g.Normal.Blocks[1].Combine);
        Assert.Equal(g.Normal.PaperConcat(), g.Normal.Concat);
        Assert.Equal([2, 3, 4, 5, 6], Genotypes.NasNetA.Normal.PaperConcat());
        Assert.Equal([4, 5, 6], Genotypes.NasNetA.Reduction.PaperConcat());
    }

    [Theory]
    [InlineData("""{"inputs": [0, 3], "ops": ["conv_3x3", "identity"]}""", "block 0, field 'inputs[1]'")]
    [InlineData("""{"inputs": [-1, 0], "ops": ["conv_3x3", "identity"]}""", "block 0, field 'inputs[0]'")]
    [InlineData("""{"inputs": [0, 1], "ops": ["conv_9x9", "identity"]}""", "block 0, field 'ops[0]': unknown operation 'conv_9x9'")]
    [InlineData("""{"inputs": [0, 1], "ops": ["identity", "zero"]}""", "block 0, field 'ops[1]'")]
    [InlineData("""{"inputs": [0, 1], "ops": ["identity", "identity"], "combine": "mul"}""", "block 0, field 'combine': 'mul'")]
    [InlineData("""{"inputs": [0], "ops": ["identity", "identity"]}""", "block 0, field 'inputs'")]
    [InlineData("""{"inputs": [0, "1"], "ops": ["identity", "identity"]}""", "block 0, field 'inputs'")]
    [InlineData("""{"inputs": [0, 1], "ops": "identity"}""", "block 0, field 'ops'")]
    [InlineData("""{"inputs": [0, 1], "ops": ["identity", "identity"]}, {"inputs": [3, 0], "ops": ["identity", "identity"]}""", "block 1, field 'inputs[0]'")]
    [InlineData("7", "block 0")]
    public void Parse_InvalidBlock_MessageNamesCellBlockAndField(string blocks, string expected)
    {
        var e = Assert.Throws<GenotypeException>(() => GenotypeJson.Parse(Json(blocks)));
        Assert.Contains("normal cell", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.IsAssignableFrom<UserErrorException>(e);
    }

    [Theory]
    [InlineData("[2, 2]", "state 2 is listed twice")]
    [InlineData("[7]", "state 7 does not exist")]
    [InlineData("[]", "'concat' is empty")]
    [InlineData("\"all\"", "field 'concat'")]
    public void Parse_InvalidConcat_MessageNamesField(string concat, string expected)
    {
        var e = Assert.Throws<GenotypeException>(() => GenotypeJson.Parse(Json("""{"inputs": [0, 1], "ops": ["identity", "conv_1x1"]}""", concat)));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("""{"normal": {"blocks": []}}""", "'blocks' is empty")]
    [InlineData("""{"normal": {"blocks": [{"inputs": [0, 1], "ops": ["identity", "conv_1x1"]}]}}""", "missing 'reduction' cell")]
    [InlineData("""{"normal": {"cells": []}, "reduction": {}}""", "normal cell, field 'blocks'")]
    public void Parse_MalformedDocument_OneLineMessage(string json, string expected)
    {
        var e = Assert.Throws<GenotypeException>(() => GenotypeJson.Parse(json));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Parse_ReductionCellError_NamesReductionCell()
    {
        var good = """{"blocks": [{"inputs": [0, 1], "ops": ["identity", "conv_1x1"]}]}""";
        var bad = """{"blocks": [{"inputs": [0, 1], "ops": ["identity", "conv_1x1"]}, {"inputs": [1, 1], "ops": ["identity", "nope"]}]}""";
        var e = Assert.Throws<GenotypeException>(() => GenotypeJson.Parse($$"""{"normal": {{good}}, "reduction": {{bad}}}"""));
        Assert.Contains("reduction cell, block 1, field 'ops[1]'", e.Message);
    }

    [Fact]
    public void Load_MissingFile_NamesFile()
    {
        var e = Assert.Throws<GenotypeException>(() => GenotypeJson.Load("/nonexistent/g.json"));
        Assert.Contains("/nonexistent/g.json", e.Message);
    }

    [Fact]
    public void Parse_WrappedGenotypeAndExtraFields_Accepted()
    {
        var inner = GenotypeJson.ToNode(Genotypes.NasNetA);
        var wrapped = new JsonObject { ["genotype"] = inner, ["accuracy"] = 0.9 };
        Assert.Equal(Genotypes.NasNetA, GenotypeJson.Parse(wrapped.ToJsonString()));
    }
}
