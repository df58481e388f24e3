using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Consent.Contracts.Records;

/// <summary>
/// The service's event hash chain, recomputed without the service: each event's hash covers the previous hash, its
/// position, its type, its data in canonical JSON (keys sorted, no whitespace, numbers as plain decimals) and its
/// metadata. The service's own chain (Consent.Api's EventChain) computes its hashes with this, so a record verifies
/// offline exactly as the service verified it.
/// </summary>
public static class ChainHash
{
    public const string Genesis = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    public static string Of(string prevHash, long seq, string type, JsonElement data, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(prevHash);
            writer.WriteNumberValue(seq);
            writer.WriteStringValue(type);
            WriteCanonical(writer, data);
            writer.WriteStartObject();
            foreach (var (key, value) in metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                writer.WriteString(key, value);
            }
            writer.WriteEndObject();
            writer.WriteEndArray();
        }
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
    }

    /// <summary>Why the record's chain does not hold (naming the first event at fault), or null when it does.</summary>
    public static string? Problem(RecordChain chain, long streamVersion)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var expectedPrev = Genesis;
        long expectedSeq = 1;
        foreach (var e in chain.Events)
        {
            if (e.Seq != expectedSeq) return $"event {expectedSeq} is missing (found {e.Seq} in its place)";
            if (e.PrevHash != expectedPrev) return $"event {e.Seq} ({e.Type}) does not follow the event before it";
            if (e.Hash != Of(e.PrevHash, e.Seq, e.Type, e.Data, e.Metadata)) return $"event {e.Seq} ({e.Type}) does not match its hash: it was changed after it was stored";
            expectedPrev = e.Hash;
            expectedSeq++;
        }
        if (expectedSeq - 1 != streamVersion) return $"the record covers {streamVersion} events but its chain holds {expectedSeq - 1}";
        if (chain.Head != expectedPrev) return "the chain's head is not the last event's hash";
        return null;
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray()) WriteCanonical(writer, item);
                writer.WriteEndArray();
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(element.TryGetDecimal(out var d) ? d.ToString(CultureInfo.InvariantCulture) : element.GetRawText());
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
