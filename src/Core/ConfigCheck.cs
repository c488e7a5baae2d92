using System.Globalization;

namespace NasNet.Core;

/// <summary>
/// Range checks for settings records: each throws a one-line <see cref="UserErrorException"/> of the form
/// "<c>child.epochs: 0 is out of range; allowed 1 to 10000</c>", naming the field's path in the config file.
/// </summary>
public static class ConfigCheck
{
    /// <summary>An integer in [min, max].</summary>
    public static void Range(string path, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw OutOfRange(path, value, max is long.MaxValue or int.MaxValue ? $">= {Text(min)}" : $"{Text(min)} to {Text(max)}");
        }
    }

    /// <summary>A finite number in [min, max].</summary>
    public static void Range(string path, double value, double min, double max)
    {
        if (!double.IsFinite(value) || value < min || value > max)
        {
            throw OutOfRange(path, value, $"{Text(min)} to {Text(max)}");
        }
    }

    /// <summary>A finite number satisfying <paramref name="ok"/>, described by <paramref name="allowed"/> (e.g. "(0, 1)").</summary>
    public static void That(string path, double value, bool ok, string allowed)
    {
        if (!double.IsFinite(value) || !ok)
        {
            throw OutOfRange(path, value, allowed);
        }
    }

    /// <summary>A string that is one of <paramref name="allowed"/> (ordinal).</summary>
    public static void OneOf(string path, string? value, IReadOnlyList<string> allowed)
    {
        if (value is null || !allowed.Contains(value))
        {
            throw new UserErrorException($"{path}: '{value}' is not one of {string.Join(", ", allowed)}");
        }
    }

    /// <summary>A section or value that must be present (a JSON null where an object or value is needed).</summary>
    public static T Present<T>(string path, T? value, string what = "a JSON object")
        where T : class => value ?? throw new UserErrorException($"{path}: must be {what}, not null");

    private static UserErrorException OutOfRange(string path, double value, string allowed) =>
        new($"{path}: {Text(value)} is out of range; allowed {allowed}");

    private static string Text(double v) => v.ToString(CultureInfo.InvariantCulture);
}
