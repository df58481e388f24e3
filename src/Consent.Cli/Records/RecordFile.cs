using System.Text;
using System.Text.Json;
using UglyToad.PdfPig;

namespace Consent.Cli.Records;

/// <summary>
/// The three forms a record travels in, reduced to what the verifier checks: the JWS, the record JSON the reader
/// holds beside it (if any), and for a PDF the text it shows.
/// </summary>
internal static class RecordFile
{
    public const string RecordAttachment = "record.json";
    public const string JwsAttachment = "record.jws";

    public sealed record Parts(string Jws, JsonElement? Record, string? VisibleText);

    public static Parts? Read(byte[] bytes, out string kind, out string? problem)
    {
        problem = null;
        if (bytes.AsSpan().StartsWith("%PDF-"u8))
        {
            kind = "PDF";
            return FromPdf(bytes, out problem);
        }
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(bytes).RootElement;
        }
        catch (JsonException)
        {
            kind = "unknown";
            problem = "the file is neither a PDF nor JSON";
            return null;
        }
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("resourceType", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "Bundle")
        {
            kind = "FHIR Bundle";
            return FromBundle(root, out problem);
        }
        kind = "JSON+JWS";
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("jws", out var jws) || jws.ValueKind != JsonValueKind.String)
        {
            problem = "the JSON has no 'jws' string";
            return null;
        }
        return new Parts(jws.GetString()!, root.TryGetProperty("record", out var record) ? record : null, null);
    }

    private static Parts? FromPdf(byte[] bytes, out string? problem)
    {
        problem = null;
        try
        {
            using var pdf = PdfDocument.Open(bytes);
            if (!pdf.Advanced.TryGetEmbeddedFiles(out var files))
            {
                problem = "the PDF carries no attachments: it is not a signed record, or they were removed";
                return null;
            }
            var jws = files.FirstOrDefault(f => f.Name == JwsAttachment);
            var record = files.FirstOrDefault(f => f.Name == RecordAttachment);
            if (jws is null)
            {
                problem = $"the PDF carries no {JwsAttachment} attachment";
                return null;
            }
            JsonElement? recordJson = null;
            if (record is not null)
            {
                try
                {
                    recordJson = JsonDocument.Parse(record.Bytes.ToArray()).RootElement;
                }
                catch (JsonException)
                {
                    problem = $"the PDF's {RecordAttachment} is not JSON";
                    return null;
                }
            }
            var text = new StringBuilder();
            foreach (var page in pdf.GetPages())
            {
                foreach (var letter in page.Letters) text.Append(letter.Value);
            }
            return new Parts(Encoding.ASCII.GetString(jws.Bytes.ToArray()).Trim(), recordJson, text.ToString());
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // PdfPig reports a damaged file with several exception types; any of them means the same to a reader.
            problem = $"the PDF cannot be read: {ex.Message}";
            return null;
        }
    }

    private static Parts? FromBundle(JsonElement bundle, out string? problem)
    {
        problem = "the Bundle has no Provenance with a signature";
        if (!bundle.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array) return null;
        foreach (var entry in entries.EnumerateArray())
        {
            if (!entry.TryGetProperty("resource", out var resource) || !resource.TryGetProperty("resourceType", out var type) || type.GetString() != "Provenance") continue;
            if (!resource.TryGetProperty("signature", out var signatures) || signatures.ValueKind != JsonValueKind.Array) continue;
            foreach (var signature in signatures.EnumerateArray())
            {
                if (signature.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.String)
                {
                    try
                    {
                        problem = null;
                        return new Parts(Encoding.ASCII.GetString(Convert.FromBase64String(data.GetString()!)), null, null);
                    }
                    catch (FormatException)
                    {
                        problem = "the Provenance signature's data is not base64";
                        return null;
                    }
                }
            }
        }
        return null;
    }
}
