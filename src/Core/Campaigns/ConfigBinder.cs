using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using NasNet.Core.Datasets;

namespace NasNet.Core.Campaigns;

/// <summary>
/// Binds a JSON section to its settings record with System.Text.Json and turns the serializer's errors into one-line
/// <see cref="UserErrorException"/>s in the config's own terms: the field's path ("child.epochs"), the nearest valid
/// name for an unknown field, and what the field accepts for a value of the wrong type.
/// </summary>
public static class ConfigBinder
{
    /// <summary>Deserializes <paramref name="node"/> as <typeparamref name="T"/>; errors name fields under <paramref name="prefix"/>.</summary>
    public static T Bind<T>(JsonNode node, string prefix, JsonSerializerOptions options)
    {
        try
        {
            return node.Deserialize<T>(options) ?? throw new UserErrorException($"{(prefix.Length == 0 ? "campaign config" : prefix)}: must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new UserErrorException(Describe(e, typeof(T), prefix, node, options), e);
        }
    }

    /// <summary>
    /// A contract modifier: only properties that binding can set are part of the JSON shape (computed, get-only members
    /// are neither written nor silently accepted when read).
    /// </summary>
    public static void OnlySettableProperties(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var p in info.Properties.Where(p => p.Set is null && p.AssociatedParameter is null).ToList())
        {
            info.Properties.Remove(p);
        }
    }

    /// <summary>The nearest of <paramref name="candidates"/> to <paramref name="name"/> (edit distance, case-insensitive).</summary>
    public static string? Nearest(string name, IEnumerable<string> candidates) =>
        candidates.MinBy(c => Distance(name.ToLowerInvariant(), c.ToLowerInvariant()));

    /// <summary>Levenshtein distance.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static string Describe(JsonException e, Type root, string prefix, JsonNode node, JsonSerializerOptions options)
    {
        var segments = Segments(e.Path);
        string Join(IEnumerable<string> parts) => string.Join('.', (prefix.Length == 0 ? parts : parts.Prepend(prefix)).Where(p => p.Length > 0));
        var field = Join(segments);
        if (e.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return $"{(field.Length == 0 ? "campaign config" : field)}: a field is given twice: keep one";
        }

        var type = root;
        for (var i = 0; i < segments.Count; i++)
        {
            var info = options.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type);
            if (info.Kind != JsonTypeInfoKind.Object)
            {
                break;
            }

            var property = info.Properties.FirstOrDefault(p => p.Name == segments[i]);
            if (property is null)
            {
                var parent = Join(segments.Take(i));
                var known = info.Properties.Select(p => p.Name).ToList();
                if (i == 0 && root == typeof(CampaignConfig))
                {
                    known.Add("dataset");
                }

                if (root == typeof(CampaignConfig) && parent == "child" && segments[i] is "dataset" or "dataDir")
                {
                    return $"unknown field {field}: the dataset is its own section: \"dataset\": {{\"kind\": \"fashion-mnist\", \"dir\": null}}";
                }

                var nearest = Nearest(segments[i], known);
                return nearest is null
                    ? $"unknown field {field}: {(parent.Length == 0 ? "the config" : parent)} has no fields"
                    : $"unknown field {field}: did you mean {Join(segments.Take(i).Append(nearest))}?";
            }

            type = property.PropertyType;
        }

        var given = Given(node, segments);
        var subject = field.Length == 0 ? "campaign config" : field;
        if (e is WireValueException)
        {
            return $"{subject}: {e.Message}";
        }

        return $"{subject}: must be {Expected(type)} (got {given})";
    }

    private static string Expected(Type type)
    {
        var inner = Nullable.GetUnderlyingType(type);
        if (inner is not null)
        {
            return $"{Expected(inner)} or null";
        }

        if (type.IsEnum)
        {
            return $"one of {string.Join(", ", WireEnum.All(type))}";
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64 or TypeCode.UInt16 or TypeCode.UInt32 or TypeCode.UInt64 or TypeCode.Byte => "a whole number",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            TypeCode.Boolean => "true or false",
            TypeCode.String => "a string",
            _ when type == typeof(DatasetRef) => $"a string: {DatasetRef.Accepted}",
            _ => "a JSON object",
        };
    }

    private static string Given(JsonNode node, IReadOnlyList<string> segments)
    {
        JsonNode? current = node;
        foreach (var s in segments)
        {
            current = current is JsonObject o && o.TryGetPropertyValue(s, out var v) ? v : null;
        }

        var text = current?.ToJsonString() ?? "null";
        return text.Length > 40 ? text[..37] + "..." : text;
    }

    /// <summary>"$.child.epochs" or "$['child']['epochs']" → [child, epochs].</summary>
    private static List<string> Segments(string? path)
    {
        var segments = new List<string>();
        if (string.IsNullOrEmpty(path))
        {
            return segments;
        }

        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 2)..end]);
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                i = end < 0 ? path.Length : end + 1; // array index: not a field
            }
            else
            {
                i++;
            }
        }

        return segments;
    }
}
