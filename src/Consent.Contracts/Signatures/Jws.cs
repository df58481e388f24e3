using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Consent.Contracts.Signatures;

/// <summary>
/// Verifies the service's JWS signatures (RFC 7515 compact form, ES256 only) against its published keys.
/// Anything this verifier does not fully understand fails: another <c>alg</c> (including <c>none</c>), a <c>crit</c>
/// header, an unencoded payload (<c>b64</c>), a key id not in the set. Keys named inside the JWS itself
/// (<c>jwk</c>, <c>jku</c>, <c>x5c</c>, <c>x5u</c>) are never used: only the given set decides.
/// </summary>
public static class Jws
{
    /// <summary>The <c>typ</c> of the signature on each RabbitMQ event message.</summary>
    public const string EventMessageType = "consent-event+jws";

    /// <summary>The AMQP header that carries each event message's signature.</summary>
    public const string EventMessageHeader = "consent-signature";

    // ES256 signatures are r||s, each 32 bytes (RFC 7518 §3.4), never DER.
    private const int SignatureBytes = 64;
    // Our headers are under 100 bytes; a bound keeps a hostile message from making a verifier parse megabytes of JSON.
    private const int MaxHeaderChars = 4096;

    /// <summary>Checks a compact JWS with an attached payload and returns the payload it signs.</summary>
    public static bool TryVerify(string compactJws, ConsentKeys keys, out byte[] payload, out string? error) =>
        TryVerify(compactJws, keys, expectedType: null, out payload, out error);

    /// <summary>
    /// As <see cref="TryVerify(string, ConsentKeys, out byte[], out string?)"/>, and the header's <c>typ</c> must be
    /// <paramref name="expectedType"/>: the same key signs event messages, chain heads and records, and pinning the
    /// type keeps one kind of signed document from being passed off as another.
    /// </summary>
    public static bool TryVerify(string compactJws, ConsentKeys keys, string? expectedType, out byte[] payload, out string? error)
    {
        ArgumentNullException.ThrowIfNull(keys);
        payload = [];
        if (!TrySplit(compactJws, out var header, out var body, out var signature, out error)) return false;
        if (body.IsEmpty)
        {
            error = "the JWS has no payload (a detached JWS needs the payload given separately)";
            return false;
        }
        if (!Base64UrlText.TryDecode(body, out var decoded))
        {
            error = "the JWS payload is not base64url";
            return false;
        }
        if (!Check(header, body, signature, keys, expectedType, out error)) return false;
        payload = decoded;
        return true;
    }

    /// <summary>Checks a detached JWS (<c>header..signature</c>, RFC 7515 Appendix F) over <paramref name="payload"/>.</summary>
    public static bool TryVerifyDetached(string detachedJws, ReadOnlySpan<byte> payload, ConsentKeys keys, out string? error) =>
        TryVerifyDetached(detachedJws, payload, keys, expectedType: null, out error);

    /// <summary>As the overload without a type, and the header's <c>typ</c> must be <paramref name="expectedType"/>.</summary>
    public static bool TryVerifyDetached(string detachedJws, ReadOnlySpan<byte> payload, ConsentKeys keys, string? expectedType, out string? error)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (!TrySplit(detachedJws, out var header, out var body, out var signature, out error)) return false;
        if (!body.IsEmpty)
        {
            error = "the JWS is not detached (its payload part is not empty)";
            return false;
        }
        return Check(header, Base64UrlText.Encode(payload), signature, keys, expectedType, out error);
    }

    private static bool TrySplit(string? jws, out ReadOnlySpan<char> header, out ReadOnlySpan<char> body, out ReadOnlySpan<char> signature, out string? error)
    {
        header = body = signature = default;
        error = null;
        if (string.IsNullOrEmpty(jws))
        {
            error = "the JWS is empty";
            return false;
        }
        var text = jws.AsSpan();
        var first = text.IndexOf('.');
        var last = text.LastIndexOf('.');
        if (first < 0 || first == last || text[(first + 1)..last].Contains('.'))
        {
            error = "a compact JWS has exactly three parts separated by '.'";
            return false;
        }
        header = text[..first];
        body = text[(first + 1)..last];
        signature = text[(last + 1)..];
        return true;
    }

    private static bool Check(ReadOnlySpan<char> headerPart, ReadOnlySpan<char> bodyPart, ReadOnlySpan<char> signaturePart, ConsentKeys keys, string? expectedType, out string? error)
    {
        if (headerPart.Length > MaxHeaderChars)
        {
            error = $"the JWS header is longer than {MaxHeaderChars} characters";
            return false;
        }
        if (!Base64UrlText.TryDecode(headerPart, out var headerJson))
        {
            error = "the JWS header is not base64url";
            return false;
        }
        if (!TryReadHeader(headerJson, expectedType, out var kid, out error)) return false;
        if (!keys.TryGet(kid, out var key))
        {
            error = $"unknown kid '{kid}': not in the key set (fetch the key set again if keys were rotated)";
            return false;
        }
        if (!Base64UrlText.TryDecode(signaturePart, out var signature))
        {
            error = "the JWS signature is not base64url";
            return false;
        }
        if (signature.Length != SignatureBytes)
        {
            error = $"an ES256 signature is {SignatureBytes} bytes, this one is {signature.Length}";
            return false;
        }
        var signingInput = new byte[headerPart.Length + 1 + bodyPart.Length];
        Encoding.ASCII.GetBytes(headerPart, signingInput);
        signingInput[headerPart.Length] = (byte)'.';
        Encoding.ASCII.GetBytes(bodyPart, signingInput.AsSpan(headerPart.Length + 1));
        if (!key.Verify(signingInput, signature))
        {
            error = $"the signature does not match (kid '{kid}')";
            return false;
        }
        error = null;
        return true;
    }

    private static bool TryReadHeader(byte[] headerJson, string? expectedType, out string kid, out string? error)
    {
        kid = "";
        // JsonDocument checks UTF-8 only when a string is read, and then throws; a verdict is owed instead.
        if (!System.Text.Unicode.Utf8.IsValid(headerJson))
        {
            error = "the JWS header is not UTF-8";
            return false;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerJson, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException)
        {
            error = "the JWS header is not a JSON object (or repeats a member)";
            return false;
        }
        using (document)
        {
            var header = document.RootElement;
            if (header.ValueKind != JsonValueKind.Object)
            {
                error = "the JWS header is not a JSON object";
                return false;
            }
            if (!header.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String)
            {
                error = "the JWS header has no alg";
                return false;
            }
            if (alg.GetString() != ConsentKeys.Algorithm)
            {
                error = $"alg '{alg.GetString()}' is not accepted; only {ConsentKeys.Algorithm}";
                return false;
            }
            // RFC 7515 §4.1.11: a verifier must reject extensions it is told are critical and does not understand; we
            // understand none.
            if (header.TryGetProperty("crit", out _))
            {
                error = "the JWS header names critical extensions (crit) this verifier does not understand";
                return false;
            }
            if (header.TryGetProperty("b64", out _))
            {
                error = "unencoded payloads (b64) are not accepted";
                return false;
            }
            if (!header.TryGetProperty("kid", out var kidValue) || kidValue.ValueKind != JsonValueKind.String || kidValue.GetString() is not { Length: > 0 } kidText)
            {
                error = "the JWS header has no kid";
                return false;
            }
            kid = kidText;
            if (expectedType is not null
                && (!header.TryGetProperty("typ", out var typ) || typ.ValueKind != JsonValueKind.String || typ.GetString() != expectedType))
            {
                error = $"typ is not '{expectedType}'";
                return false;
            }
            error = null;
            return true;
        }
    }
}
