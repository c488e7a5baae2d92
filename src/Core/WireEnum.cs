using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NasNet.Core;

/// <summary>
/// The names an enum's values have in JSON, on the console and on the wire: the
/// <see cref="JsonStringEnumMemberNameAttribute"/> of each member, else the member's name in lower case. One table per
/// enum, so a kind is parsed and printed the same way everywhere (config files, CLI options, status DTOs).
/// </summary>
public static class WireEnum
{
    private static readonly ConcurrentDictionary<Type, (string[] Names, Array Values)> Tables = new();

    /// <summary>The wire name of <paramref name="value"/>.</summary>
    public static string Name<T>(T value)
        where T : struct, Enum
    {
        var (names, values) = Table(typeof(T));
        for (var i = 0; i < values.Length; i++)
        {
            if (EqualityComparer<T>.Default.Equals((T)values.GetValue(i)!, value))
            {
                return names[i];
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), $"{value} is not a member of {typeof(T).Name}");
    }

    /// <summary>The wire name of an enum value of any type (for code that holds it as <see cref="Enum"/>).</summary>
    public static string Name(Enum value)
    {
        var (names, values) = Table(value.GetType());
        for (var i = 0; i < values.Length; i++)
        {
            if (Equals(values.GetValue(i), value))
            {
                return names[i];
            }
        }

        return value.ToString();
    }

    /// <summary>Every wire name of <typeparamref name="T"/>, in declaration order.</summary>
    public static IReadOnlyList<string> All<T>()
        where T : struct, Enum => Table(typeof(T)).Names;

    /// <summary>Every wire name of the enum type <paramref name="enumType"/>, in declaration order.</summary>
    public static IReadOnlyList<string> All(Type enumType) => enumType.IsEnum
        ? Table(enumType).Names
        : throw new ArgumentException($"{enumType.Name} is not an enum", nameof(enumType));

    /// <summary>Parses a wire name (case-insensitive); false when it names no member.</summary>
    public static bool TryParse<T>(string? text, out T value)
        where T : struct, Enum
    {
        var (names, values) = Table(typeof(T));
        for (var i = 0; i < names.Length; i++)
        {
            if (string.Equals(names[i], text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                value = (T)values.GetValue(i)!;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Parses a wire name; otherwise a one-line user error "<paramref name="field"/>: 'x' is not one of a, b, c".</summary>
    public static T Parse<T>(string? text, string field)
        where T : struct, Enum =>
        TryParse<T>(text, out var value) ? value : throw new UserErrorException(NotOneOf<T>(text, field));

    /// <summary>The message for a name that is not one of <typeparamref name="T"/>'s.</summary>
    public static string NotOneOf<T>(string? text, string field)
        where T : struct, Enum => $"{field}: '{text}' is not one of {string.Join(", ", All<T>())}";

    private static (string[] Names, Array Values) Table(Type type) => Tables.GetOrAdd(type, t =>
    {
        var fields = t.GetFields(BindingFlags.Public | BindingFlags.Static);
        var names = fields.Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name.ToLowerInvariant()).ToArray();
        var values = Array.CreateInstance(t, fields.Length);
        for (var i = 0; i < fields.Length; i++)
        {
            values.SetValue(fields[i].GetValue(null), i);
        }

        return (names, values);
    });
}

/// <summary>
/// JSON converter of an enum by its <see cref="WireEnum"/>: strings only (a number is an error, unlike
/// <see cref="JsonStringEnumConverter"/>'s default), and an unknown name's error lists the allowed ones.
/// </summary>
public sealed class WireEnumConverter<T> : JsonConverter<T>
    where T : struct, Enum
{
    /// <inheritdoc />
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new WireValueException($"must be one of {string.Join(", ", WireEnum.All<T>())}");
        }

        var text = reader.GetString();
        return WireEnum.TryParse<T>(text, out var value)
            ? value
            : throw new WireValueException($"'{text}' is not one of {string.Join(", ", WireEnum.All<T>())}");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(WireEnum.Name(value));
}

/// <summary>
/// A JSON value of the right token type but not an allowed value, thrown by NasNet's converters: its message is the
/// complete reason ("'x' is not one of a, b"), to be prefixed with the field's path by whoever reports it.
/// </summary>
public sealed class WireValueException(string message) : JsonException(message);
