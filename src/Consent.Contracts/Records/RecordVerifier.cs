using System.Text.Json;
using Consent.Contracts.Signatures;

namespace Consent.Contracts.Records;

/// <summary>One check that failed: <see cref="Check"/> is signature, record, chain, pdf_text, workflow or format.</summary>
public sealed record RecordProblem(string Check, string Reason);

/// <summary>What verifying a record found: the record as signed (when the signature holds), who signed it, and every failure.</summary>
public sealed record RecordVerification(SignedRecord? Record, string? KeyId, IReadOnlyList<RecordProblem> Problems)
{
    public bool Valid => Problems.Count == 0 && Record is not null;
}

/// <summary>
/// Verifies a consent record offline, from the record's own bytes, its JWS and the published keys: no database, no
/// service. Every check runs, so a reader learns all that is wrong, not only the first thing.
/// </summary>
public static class RecordVerifier
{
    /// <summary>
    /// Checks a record given as JSON (<paramref name="presented"/>, what the reader has in hand: may be null when only
    /// the JWS travels) against its JWS: the signature by <c>kid</c>, that the JSON is what was signed, and the event
    /// chain inside it.
    /// </summary>
    public static RecordVerification Verify(string jws, JsonElement? presented, ConsentKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var problems = new List<RecordProblem>();
        var kid = KeyIdOf(jws);
        SignedRecord? signed = null;
        JsonElement? signedJson = null;
        if (!Jws.TryVerify(jws, keys, SignedRecord.JwsType, out var payload, out var error))
        {
            problems.Add(new RecordProblem("signature", $"the record's signature does not hold: {error}"));
        }
        else if (Parse(payload) is not { } parsed)
        {
            problems.Add(new RecordProblem("format", "the signed payload is not a consent record"));
        }
        else
        {
            signedJson = parsed.Json;
            signed = parsed.Record;
        }

        // The chain is checked in what the reader holds, so an edited event is named as such even though the
        // comparison with what was signed also catches it.
        if (presented is { } json && signedJson is { } original && FirstDifference(original, json, "") is { } path)
        {
            problems.Add(new RecordProblem("record", $"the record differs from what was signed at {path}"));
        }
        if (presented is not null || signed is not null)
        {
            var held = presented is { } p ? TryRecord(p) : signed;
            if (held is null) problems.Add(new RecordProblem("format", "the record is not a consent record"));
            else if (ChainHash.Problem(held.Chain, held.StreamVersion) is { } broken) problems.Add(new RecordProblem("chain", broken));
        }
        if (signed is not null && signed.Format != SignedRecord.CurrentFormat)
        {
            problems.Add(new RecordProblem("format", $"unknown record format '{signed.Format}'"));
        }
        return new RecordVerification(signed, kid, problems);
    }

    /// <summary>The JSON+JWS download: <c>{"record": {...}, "jws": "..."}</c>.</summary>
    public static RecordVerification VerifyDownload(string downloadJson, ConsentKeys keys)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(downloadJson).RootElement;
        }
        catch (JsonException ex)
        {
            return Malformed($"the file is not JSON: {ex.Message}");
        }
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("jws", out var jws) || jws.ValueKind != JsonValueKind.String)
        {
            return Malformed("the file has no 'jws' string");
        }
        JsonElement? record = root.TryGetProperty("record", out var r) ? r : null;
        return Verify(jws.GetString()!, record, keys);
    }

    /// <summary>The kid a JWS names in its header, for reporting; null when the header cannot be read.</summary>
    public static string? KeyIdOf(string jws)
    {
        var dot = jws?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (dot <= 0 || !Base64UrlText.TryDecode(jws.AsSpan(0, dot), out var header)) return null;
        try
        {
            using var doc = JsonDocument.Parse(header);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("kid", out var kid) && kid.ValueKind == JsonValueKind.String ? kid.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The JSON path of the first place two documents differ, or null when they are the same JSON.</summary>
    public static string? FirstDifference(JsonElement expected, JsonElement actual, string path)
    {
        if (expected.ValueKind != actual.ValueKind) return Named(path);
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var left = expected.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
                var right = actual.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
                foreach (var (name, value) in left)
                {
                    if (!right.TryGetValue(name, out var other)) return Named(path + "/" + name);
                    if (FirstDifference(value, other, path + "/" + name) is { } inner) return inner;
                }
                return right.Keys.FirstOrDefault(k => !left.ContainsKey(k)) is { } extra ? Named(path + "/" + extra) : null;
            case JsonValueKind.Array:
                var a = expected.EnumerateArray().ToList();
                var b = actual.EnumerateArray().ToList();
                for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
                {
                    if (FirstDifference(a[i], b[i], path + "/" + i) is { } inner) return inner;
                }
                return a.Count == b.Count ? null : Named(path + "/" + Math.Min(a.Count, b.Count));
            case JsonValueKind.String:
                return expected.GetString() == actual.GetString() ? null : Named(path);
            case JsonValueKind.Number:
                return expected.GetRawText() == actual.GetRawText() ? null : Named(path);
            default:
                return null;
        }
    }

    private static string Named(string path) => path.Length == 0 ? "/" : path;

    private static RecordVerification Malformed(string reason) => new(null, null, [new RecordProblem("format", reason)]);

    private static (JsonElement Json, SignedRecord Record)? Parse(byte[] payload)
    {
        try
        {
            var json = JsonDocument.Parse(payload).RootElement;
            return TryRecord(json) is { } record ? (json, record) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static SignedRecord? TryRecord(JsonElement json)
    {
        try
        {
            return json.ValueKind == JsonValueKind.Object ? json.Deserialize<SignedRecord>(RecordJson.Options) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
