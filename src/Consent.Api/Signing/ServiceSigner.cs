using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Consent.Contracts.Signatures;

namespace Consent.Api.Signing;

/// <summary>
/// Signs what the service publishes (event messages; later chain heads and consent records) with the active key,
/// as compact JWS (ES256). Subscribers verify with <see cref="Jws"/> against the published key set.
/// </summary>
public sealed class ServiceSigner(SigningKeyRing keys)
{
    private readonly ConcurrentDictionary<string, string> _headers = new(StringComparer.Ordinal);

    /// <summary>The kid in every header this signer writes.</summary>
    public string KeyId => keys.ActiveKid;

    /// <summary>A compact JWS carrying <paramref name="payload"/>: <c>header.payload.signature</c>.</summary>
    public string Sign(ReadOnlySpan<byte> payload, string typ)
    {
        var (header, body, signature) = Parts(payload, typ);
        return string.Concat(header, ".", body, ".", signature);
    }

    /// <summary>A detached JWS over <paramref name="payload"/> (RFC 7515 Appendix F): <c>header..signature</c>.</summary>
    public string SignDetached(ReadOnlySpan<byte> payload, string typ)
    {
        var (header, _, signature) = Parts(payload, typ);
        return string.Concat(header, "..", signature);
    }

    private (string Header, string Body, string Signature) Parts(ReadOnlySpan<byte> payload, string typ)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(typ);
        var header = _headers.GetOrAdd(typ, EncodedHeader, keys.ActiveKid);
        var body = Base64Url.EncodeToString(payload);
        var signingInput = new byte[header.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(header, signingInput);
        signingInput[header.Length] = (byte)'.';
        Encoding.ASCII.GetBytes(body, signingInput.AsSpan(header.Length + 1));
        return (header, body, Base64Url.EncodeToString(keys.SignWithActiveKey(signingInput)));
    }

    private static string EncodedHeader(string typ, string kid)
    {
        using var buffer = new MemoryStream();
        // Relaxed, so that a typ reads as written ("consent-event+jws", not "consent-event\u002Bjws") to anyone decoding the header.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("alg", ConsentKeys.Algorithm);
            writer.WriteString("kid", kid);
            writer.WriteString("typ", typ);
            writer.WriteEndObject();
        }
        return Base64Url.EncodeToString(buffer.ToArray());
    }
}
