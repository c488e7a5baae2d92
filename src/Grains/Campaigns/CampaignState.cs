using System.Text.Json;
using System.Text.Json.Serialization;
using NasNet.Core.Campaigns;

namespace NasNet.Grains.Campaigns;

/// <summary>
/// The persisted state of a campaign controller: config, the ledger's header (JSON), strategy bytes and the record of
/// each page of the candidate table (the table itself is stored in pages, see <see cref="CampaignPages"/>). Stored with
/// the Orleans binary serializer (see the silo's storage setup).
/// </summary>
[GenerateSerializer, Alias("NasNet.ControllerState")]
public sealed class ControllerState
{
    [Id(0)] public string? ConfigJson { get; set; }

    /// <summary>The ledger's <see cref="LedgerHeader"/> as JSON (<see cref="LedgerJson"/>).</summary>
    [Id(1)] public byte[]? Header { get; set; }

    [Id(2)] public byte[]? Strategy { get; set; }

    /// <summary>The record of each page of the candidate table (see <see cref="CampaignPages"/>).</summary>
    [Id(3)] public List<string> Pages { get; set; } = [];

    /// <summary>A shallow copy (every field is a value, a string or an array replaced whole).</summary>
    public ControllerState Copy() => (ControllerState)MemberwiseClone();
}

/// <summary>The ledger's stored forms: its header and pages of its entries, as JSON (enums by name).</summary>
public static class LedgerJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[] Write<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T Read<T>(byte[] bytes) => JsonSerializer.Deserialize<T>(bytes, Options) ?? throw new InvalidDataException($"empty {typeof(T).Name} record");
}
