using System.Text.Json;
using System.Text.Json.Nodes;

namespace NasNet.Core.SearchSpace;

/// <summary>
/// The genotype's JSON form (the one of ../shared/spec/nasnet-a.json):
/// <c>{"normal": {"blocks": [{"inputs": [1, 0], "ops": ["sep_conv_5x5", "sep_conv_3x3"], "combine": "add"}, ...],
/// "concat": [0, 2, 3]}, "reduction": {...}}</c>. "concat" is optional (the paper's rule applies when absent);
/// other top-level fields (name, comment, operations) are ignored. Parse errors name the cell, block and field.
/// </summary>
public static class GenotypeJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Parses and validates a genotype; throws <see cref="GenotypeException"/> with a one-line message.</summary>
    public static Genotype Parse(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new GenotypeException($"genotype is not valid JSON: {e.Message.Split('\n')[0]}");
        }

        if (root is not JsonObject obj)
        {
            throw new GenotypeException("genotype must be a JSON object with 'normal' and 'reduction' cells");
        }

        // Accept a wrapper such as {"genotype": {...}} written by exports.
        if (obj["genotype"] is JsonObject inner && obj["normal"] is null)
        {
            obj = inner;
        }

        return new Genotype(ParseCell(obj, "normal"), ParseCell(obj, "reduction"));
    }

    /// <summary>Reads and parses a genotype file; the message names the file on any problem.</summary>
    public static Genotype Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new GenotypeException($"genotype file '{path}' does not exist");
        }

        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (GenotypeException e)
        {
            throw new GenotypeException($"{path}: {e.Message}");
        }
    }

    /// <summary>The JSON object of a genotype (explicit concat lists, so it round-trips exactly).</summary>
    public static JsonObject ToNode(Genotype g) => new()
    {
        ["normal"] = CellNode(g.Normal),
        ["reduction"] = CellNode(g.Reduction),
    };

    /// <summary>Indented JSON text of a genotype.</summary>
    public static string Serialize(Genotype g) => ToNode(g).ToJsonString(Indented);

    /// <summary>Compact one-line JSON text of a genotype.</summary>
    public static string SerializeCompact(Genotype g) => ToNode(g).ToJsonString();

    private static JsonObject CellNode(CellGenotype c) => new()
    {
        ["blocks"] = new JsonArray(c.Blocks.Select(b => (JsonNode)new JsonObject
        {
            ["inputs"] = new JsonArray(b.InputA, b.InputB),
            ["ops"] = new JsonArray(b.OpA, b.OpB),
            ["combine"] = b.Combine == Combine.Add ? "add" : "concat",
        }).ToArray()),
        ["concat"] = new JsonArray(c.Concat.Select(s => (JsonNode)s).ToArray()),
    };

    private static CellGenotype ParseCell(JsonObject root, string name)
    {
        if (root[name] is not JsonObject cell)
        {
            throw new GenotypeException($"missing '{name}' cell: the genotype needs an object '{name}' with 'blocks'");
        }

        if (cell["blocks"] is not JsonArray blocks)
        {
            throw new GenotypeException($"{name} cell, field 'blocks': missing or not an array");
        }

        var parsed = new List<Block>();
        for (var i = 0; i < blocks.Count; i++)
        {
            if (blocks[i] is not JsonObject b)
            {
                throw new GenotypeException($"{name} cell, block {i}: not an object with 'inputs', 'ops' and 'combine'");
            }

            var inputs = Pair(b, "inputs", name, i, n => n.GetValueKind() == JsonValueKind.Number && n.AsValue().TryGetValue(out int _), n => n.GetValue<int>(), "integers");
            var ops = Pair(b, "ops", name, i, n => n.GetValueKind() == JsonValueKind.String, n => n.GetValue<string>(), "operation names");
            var combine = b["combine"] is null ? "add" : b["combine"]!.GetValueKind() == JsonValueKind.String ? b["combine"]!.GetValue<string>() : "?";
            var comb = combine switch
            {
                "add" => Combine.Add,
                "concat" => Combine.Concat,
                _ => throw new GenotypeException($"{name} cell, block {i}, field 'combine': '{combine}' is not allowed (use add or concat)"),
            };
            parsed.Add(new Block(inputs[0], inputs[1], ops[0], ops[1], comb));
        }

        var cellName = $"{name} cell";
        if (cell["concat"] is null)
        {
            return CellGenotype.WithPaperConcat(parsed, cellName);
        }

        if (cell["concat"] is not JsonArray concat || concat.Any(n => n is null || n.GetValueKind() != JsonValueKind.Number || !n.AsValue().TryGetValue(out int _)))
        {
            throw new GenotypeException($"{name} cell, field 'concat': must be an array of state indices");
        }

        return new CellGenotype(parsed, concat.Select(n => n!.GetValue<int>()).ToArray(), cellName);
    }

    private static T[] Pair<T>(JsonObject b, string field, string cell, int i, Func<JsonNode, bool> ok, Func<JsonNode, T> get, string what)
    {
        if (b[field] is not JsonArray arr || arr.Count != 2 || arr.Any(n => n is null || !ok(n)))
        {
            throw new GenotypeException($"{cell} cell, block {i}, field '{field}': must be an array of two {what}");
        }

        return [get(arr[0]!), get(arr[1]!)];
    }
}
