using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Consent.Api.Consents.Integrity;

/// <summary>
/// The tamper-evident chain over a consent's events: each event's hash covers the previous hash, its position,
/// its type, its data and its metadata. Data is hashed in a canonical JSON form (keys sorted, no whitespace) so
/// that PostgreSQL's jsonb normalisation of the stored row does not change the hash, while any edit does.
/// </summary>
public static class EventChain
{
    public const string Genesis = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>One stored event as a link of the chain; <see cref="HeadSignature"/> is the service's signature over the head right after it (not hashed).</summary>
    public sealed record Link(long Seq, string Type, string DataJson, IReadOnlyDictionary<string, string> Metadata, string PrevHash, string Hash)
    {
        public string? HeadSignature { get; init; }
    }

    public static string Hash(string prevHash, long seq, string type, string dataJson, IReadOnlyDictionary<string, string> metadata)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(prevHash);
            writer.WriteNumberValue(seq);
            writer.WriteStringValue(type);
            WriteCanonical(writer, JsonDocument.Parse(dataJson).RootElement);
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

    /// <summary>
    /// The first position whose stored hashes do not follow from the stored rows, or null when the chain holds.
    /// <paramref name="expectedLength"/> is the stream's recorded version: without it a deleted last event would
    /// leave a shorter chain that still holds.
    /// </summary>
    public static long? FirstBroken(IEnumerable<Link> links, long expectedLength)
    {
        var expectedPrev = Genesis;
        long expectedSeq = 1;
        foreach (var link in links)
        {
            if (link.Seq != expectedSeq || link.PrevHash != expectedPrev
                || link.Hash != Hash(link.PrevHash, link.Seq, link.Type, link.DataJson, link.Metadata))
            {
                return Math.Min(link.Seq, expectedSeq);
            }
            expectedPrev = link.Hash;
            expectedSeq++;
        }
        return expectedSeq - 1 == expectedLength ? null : Math.Min(expectedSeq, expectedLength + 1);
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
                // jsonb keeps a number's digits but may drop an exponent form; decimal text is stable across both.
                writer.WriteRawValue(element.TryGetDecimal(out var d) ? d.ToString(CultureInfo.InvariantCulture) : element.GetRawText());
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
