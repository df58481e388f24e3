using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Consent.Api.Hosting;

/// <summary>
/// Strict JSON request bodies: application/json only, a size limit read without buffering past it, camelCase
/// names, and unknown fields rejected, each failure a problem naming the field at fault.
/// </summary>
public static class JsonBody
{
    public const int SmallBody = 16 * 1024;

    public static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        RespectNullableAnnotations = true,
    };

    public sealed record Result<T>(T? Value, string Raw, ProblemHttpResult? Problem);

    public static async Task<Result<T>> ReadAsync<T>(HttpRequest request, int maxBytes) where T : class
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (!string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            return new(null, "", Problems.Field(StatusCodes.Status415UnsupportedMediaType, "Content-Type", "Send the body as application/json."));
        }
        if (await ReadBoundedAsync(request, maxBytes) is not ({ } buffer, var length))
        {
            return new(null, "", Problems.Field(StatusCodes.Status413PayloadTooLarge, "body", $"The body may be at most {maxBytes / 1024} KB."));
        }
        string raw;
        try
        {
            raw = new UTF8Encoding(false, true).GetString(buffer, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return new(null, "", Problems.Field(StatusCodes.Status400BadRequest, "body", "The body is not valid UTF-8."));
        }
        if (TextProblem(buffer.AsSpan(0, length)) is var (textStatus, textField, textMessage))
        {
            return new(null, raw, Problems.Field(textStatus, textField, textMessage));
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(raw, Strict);
            return value is null
                ? new(null, raw, Problems.Field(StatusCodes.Status400BadRequest, "body", "The body must be a JSON object."))
                : new(value, raw, null);
        }
        catch (JsonException ex)
        {
            var field = FieldOf(ex);
            var message = ex.Message.Contains("could not be mapped", StringComparison.Ordinal) ? $"'{field}' is not a field of this request."
                : ex.Message.Contains("missing required", StringComparison.Ordinal) ? $"'{field}' is required."
                : $"'{field}' is of the wrong type or malformed.";
            return new(null, raw, Problems.Field(StatusCodes.Status400BadRequest, field, message));
        }
    }

    /// <summary>
    /// The body's bytes, or null when it is longer than <paramref name="maxBytes"/>. Reads at most one byte past the
    /// limit whatever Content-Length claims, so a huge body is never buffered. The buffer grows with what arrives: one
    /// sized for the largest allowed body on every request put each step's answer on the large-object heap, and the
    /// full collections that followed took a fifth of the service's CPU under load.
    /// </summary>
    public static async Task<(byte[] Buffer, int Length)?> ReadBoundedAsync(HttpRequest request, int maxBytes)
    {
        var cap = maxBytes + 1;
        var declared = request.ContentLength is { } n and >= 0 ? (int)Math.Min(n + 1, cap) : 0;
        var buffer = new byte[Math.Max(declared, Math.Min(4096, cap))];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length == cap) break;
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, cap));
            }
            var read = await request.Body.ReadAsync(buffer.AsMemory(length), request.HttpContext.RequestAborted);
            if (read == 0) break;
            length += read;
        }
        return length > maxBytes ? null : (buffer, length);
    }

    /// <summary>
    /// The first text problem, naming its field as a dotted path: a string holding a NUL character (PostgreSQL's jsonb
    /// cannot store one: let through, it failed the whole write batch with a 500), a key sent twice in one object (which
    /// value counts would depend on the reader: the service and a log or proxy could disagree), or a name that shows
    /// nothing once normalised. Malformed JSON is left for the deserializer to name.
    /// </summary>
    private static (int Status, string Field, string Message)? TextProblem(ReadOnlySpan<byte> json)
    {
        var path = new List<string>();
        var keys = new Stack<HashSet<string>>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        keys.Push(new HashSet<string>(StringComparer.Ordinal));
                        break;
                    case JsonTokenType.EndObject:
                        keys.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        if (HasNul(ref reader)) return Nul(Dotted(path, "body"));
                        // The names of the objects this property sits in, outermost first.
                        if (path.Count >= reader.CurrentDepth) path.RemoveRange(reader.CurrentDepth - 1, path.Count - reader.CurrentDepth + 1);
                        path.Add(name);
                        if (!keys.Peek().Add(name))
                        {
                            var field = Dotted(path, "body");
                            return (StatusCodes.Status400BadRequest, field, $"'{field}' is sent twice; send each field once.");
                        }
                        break;
                    case JsonTokenType.String when HasNul(ref reader):
                        return Nul(Dotted(path, "body"));
                    case JsonTokenType.String when reader.CurrentDepth == path.Count && path.Count > 0
                        && (TextInputChecks.NameFields.Contains(path[^1]) || TextInputChecks.NameFields.Contains(Dotted(path, "")))
                        && reader.GetString() is { Length: > 0 } text && TextInputChecks.IsInvisible(text):
                        var nameField = Dotted(path, "body");
                        return (StatusCodes.Status422UnprocessableEntity, nameField, $"'{nameField}' must show a name: it holds only invisible or blank characters.");
                    default:
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return null;

        static string Dotted(List<string> path, string whole) => path.Count == 0 ? whole : string.Join('.', path);

        static (int, string, string) Nul(string field) =>
            (StatusCodes.Status400BadRequest, field, $"'{field}' holds a NUL character (\\u0000), which no text may contain.");

        // A raw NUL byte is not valid JSON (the reader refuses it), so only the escape \u0000 can bring one: strings
        // without escapes (a signature image's 270 KB of base64) are not copied to be looked at.
        static bool HasNul(ref Utf8JsonReader reader) => reader.ValueIsEscaped && reader.GetString()!.Contains('\0', StringComparison.Ordinal);
    }

    // System.Text.Json names the JSON path ($.representative.name); an unknown property's name is in the message.
    private static string FieldOf(JsonException ex)
    {
        var path = ex.Path is { Length: > 2 } p ? p[2..] : "body";
        var unmapped = System.Text.RegularExpressions.Regex.Match(ex.Message, "property '([^']{1,64})'");
        if (unmapped.Success && ex.Message.Contains("could not be mapped", StringComparison.Ordinal)) return unmapped.Groups[1].Value;
        var missing = System.Text.RegularExpressions.Regex.Match(ex.Message, "missing required properties including: '([^']{1,64})'");
        return missing.Success ? missing.Groups[1].Value : path;
    }
}
