using System.Text.Json;
using System.Text.Json.Serialization;

namespace NasNet.Core.Datasets;

/// <summary>The datasets NasNet reads.</summary>
[JsonConverter(typeof(WireEnumConverter<DatasetKind>))]
public enum DatasetKind
{
    /// <summary>Fashion-MNIST IDX files (Debian package dataset-fashion-mnist).</summary>
    [JsonStringEnumMemberName("fashion-mnist")]
    FashionMnist,

    /// <summary>CIFAR-10 binary batches (downloaded once into a cache).</summary>
    [JsonStringEnumMemberName("cifar10")]
    Cifar10,

    /// <summary>A small generated set for tests and dry runs.</summary>
    [JsonStringEnumMemberName("synthetic")]
    Synthetic,

    /// <summary>A user's image folder: one sub-folder of images per class.</summary>
    [JsonStringEnumMemberName("folder")]
    Folder,
}

/// <summary>
/// A dataset as the user names it — <c>fashion-mnist</c>, <c>cifar10</c>, <c>synthetic</c> or <c>folder:PATH</c> —
/// parsed once (config files, <c>arch train --dataset</c>, the catalog). Written back by <see cref="ToString"/> in
/// the same form; in JSON it is that string.
/// </summary>
[JsonConverter(typeof(DatasetRefJsonConverter))]
public sealed record DatasetRef
{
    /// <summary>The names accepted, for messages.</summary>
    public const string Accepted = "fashion-mnist, cifar10, synthetic or folder:PATH";

    private const string FolderPrefix = "folder:";

    private DatasetRef(DatasetKind kind, string? path)
    {
        Kind = kind;
        Path = path;
    }

    /// <summary>Fashion-MNIST.</summary>
    public static DatasetRef FashionMnist { get; } = new(DatasetKind.FashionMnist, null);

    /// <summary>CIFAR-10.</summary>
    public static DatasetRef Cifar10 { get; } = new(DatasetKind.Cifar10, null);

    /// <summary>The synthetic test set.</summary>
    public static DatasetRef Synthetic { get; } = new(DatasetKind.Synthetic, null);

    public DatasetKind Kind { get; }

    /// <summary>The image folder's path (<see cref="DatasetKind.Folder"/> only; null otherwise).</summary>
    public string? Path { get; }

    /// <summary>An image folder.</summary>
    public static DatasetRef Folder(string path) => string.IsNullOrWhiteSpace(path)
        ? throw new UserErrorException("dataset 'folder:' has no path: write folder:PATH, PATH holding one sub-folder of images per class")
        : new DatasetRef(DatasetKind.Folder, path);

    /// <summary>Parses the user's form; otherwise a one-line error naming <paramref name="field"/> and the accepted forms.</summary>
    public static DatasetRef Parse(string? text, string field = "dataset") =>
        TryParse(text, out var value, out var error) ? value : throw new UserErrorException($"{field}: {error}");

    /// <summary>Parses the user's form (names case-insensitive, common spellings accepted); false with the reason otherwise.</summary>
    public static bool TryParse(string? text, out DatasetRef value, out string error)
    {
        value = Synthetic;
        error = "";
        var t = text?.Trim() ?? "";
        if (t.StartsWith(FolderPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var path = t[FolderPrefix.Length..];
            if (path.Length == 0)
            {
                error = "'folder:' has no path: write folder:PATH, PATH holding one sub-folder of images per class";
                return false;
            }

            value = new DatasetRef(DatasetKind.Folder, path);
            return true;
        }

        switch (t.ToLowerInvariant())
        {
            case "fashion-mnist" or "fashionmnist" or "fashion_mnist":
                value = FashionMnist;
                return true;
            case "cifar10" or "cifar-10":
                value = Cifar10;
                return true;
            case "synthetic":
                value = Synthetic;
                return true;
            default:
                error = $"'{text}' is not one of {Accepted}";
                return false;
        }
    }

    /// <summary>Parses, for code that names a dataset in a literal (<c>Dataset = "synthetic"</c>).</summary>
    public static implicit operator DatasetRef(string text) => Parse(text);

    /// <summary>Same as the implicit conversion.</summary>
    public static DatasetRef FromString(string text) => Parse(text);

    /// <summary>The user's form: the kind's name, or <c>folder:PATH</c>.</summary>
    public override string ToString() => Kind == DatasetKind.Folder ? FolderPrefix + Path : WireEnum.Name(Kind);
}

/// <summary>Reads and writes a <see cref="DatasetRef"/> as its string form.</summary>
public sealed class DatasetRefJsonConverter : JsonConverter<DatasetRef>
{
    /// <inheritdoc />
    public override DatasetRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new WireValueException($"must be a string: {DatasetRef.Accepted}");
        }

        return DatasetRef.TryParse(reader.GetString(), out var value, out var error) ? value : throw new WireValueException(error);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DatasetRef value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
