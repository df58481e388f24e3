using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Consent.Contracts.Signatures;

/// <summary>
/// The service's public signing keys by <c>kid</c>, as published at <c>/.well-known/consent-keys.json</c> (a JWKS,
/// RFC 7517). Only ES256 keys (EC, P-256) are kept: a key published for another algorithm is skipped, so that a later
/// algorithm can be added to the set without breaking verifiers that know only this one.
/// </summary>
public sealed class ConsentKeys
{
    public const string Algorithm = "ES256";
    private const string Curve = "P-256";
    private const int CoordinateBytes = 32;

    private readonly Dictionary<string, VerifyingKey> _keys;

    private ConsentKeys(Dictionary<string, VerifyingKey> keys) => _keys = keys;

    /// <summary>The key ids in the set, in the order they were given.</summary>
    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    public bool Contains(string kid) => _keys.ContainsKey(kid);

    internal bool TryGet(string kid, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out VerifyingKey key) => _keys.TryGetValue(kid, out key);

    /// <summary>
    /// A public key, imported once: importing a P-256 key costs about 0.8 ms on this machine (OpenSSL 3), five times
    /// the verification itself (0.17 ms), and a subscriber verifies every message.
    /// </summary>
    internal sealed class VerifyingKey(ECParameters parameters, ECDsa ecdsa)
    {
        private readonly Lock _gate = new();

        public ECParameters Parameters { get; } = parameters;

        public bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature)
        {
            // ECDsa instances are not documented as safe for concurrent use.
            lock (_gate)
            {
                return ecdsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
        }
    }

    /// <summary>A set from public keys (the service's own, or ones read from files).</summary>
    /// <exception cref="ArgumentException">A key is not a P-256 public key, or a kid is empty or repeated.</exception>
    public static ConsentKeys Create(IEnumerable<(string Kid, ECParameters PublicKey)> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var byKid = new Dictionary<string, VerifyingKey>(StringComparer.Ordinal);
        foreach (var (kid, key) in keys)
        {
            if (string.IsNullOrEmpty(kid)) throw new ArgumentException("A key id is empty.", nameof(keys));
            if (!key.Curve.IsNamed || key.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value) throw new ArgumentException($"Key '{kid}': the curve is not {Curve}.", nameof(keys));
            var verifying = Import(key.Q.X, key.Q.Y, out var problem) ?? throw new ArgumentException($"Key '{kid}': {problem}", nameof(keys));
            if (!byKid.TryAdd(kid, verifying)) throw new ArgumentException($"Key id '{kid}' appears twice.", nameof(keys));
        }
        return new ConsentKeys(byKid);
    }

    /// <summary>Reads a JWKS document.</summary>
    /// <exception cref="FormatException">The document is not a JWKS, or an ES256 key in it is malformed.</exception>
    public static ConsentKeys Parse(string jwksJson)
    {
        ArgumentNullException.ThrowIfNull(jwksJson);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(jwksJson, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new FormatException("The key set is not valid JSON: " + e.Message, e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("The key set has no \"keys\" array.");
            }
            var byKid = new Dictionary<string, VerifyingKey>(StringComparer.Ordinal);
            var index = 0;
            foreach (var jwk in keys.EnumerateArray())
            {
                if (ReadKey(jwk, index) is { } key && !byKid.TryAdd(key.Kid, key.Key))
                {
                    throw new FormatException($"keys[{index}]: kid '{key.Kid}' appears twice.");
                }
                index++;
            }
            return new ConsentKeys(byKid);
        }
    }

    /// <summary>The set as a JWKS document: public halves only.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("keys");
            foreach (var (kid, key) in _keys)
            {
                writer.WriteStartObject();
                writer.WriteString("kty", "EC");
                writer.WriteString("crv", Curve);
                writer.WriteString("x", Base64UrlText.Encode(key.Parameters.Q.X));
                writer.WriteString("y", Base64UrlText.Encode(key.Parameters.Q.Y));
                writer.WriteString("kid", kid);
                writer.WriteString("use", "sig");
                writer.WriteString("alg", Algorithm);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static (string Kid, VerifyingKey Key)? ReadKey(JsonElement jwk, int index)
    {
        var at = $"keys[{index}]";
        if (jwk.ValueKind != JsonValueKind.Object) throw new FormatException($"{at} is not an object.");
        var alg = OptionalString(jwk, "alg", at);
        var kty = OptionalString(jwk, "kty", at);
        if (alg is not null && alg != Algorithm) return null;
        if (alg is null && kty != "EC") return null;
        if (kty != "EC") throw new FormatException($"{at}: an {Algorithm} key must have kty \"EC\".");
        if (OptionalString(jwk, "crv", at) != Curve) throw new FormatException($"{at}: an {Algorithm} key must have crv \"{Curve}\".");
        if (OptionalString(jwk, "use", at) is { } use && use != "sig") throw new FormatException($"{at}: use must be \"sig\".");
        // A private half in a published set means the signing key has leaked: refuse it rather than trust anything it signed.
        if (jwk.TryGetProperty("d", out _)) throw new FormatException($"{at} holds a private key (\"d\"); a published key set must not.");
        var kid = OptionalString(jwk, "kid", at);
        if (string.IsNullOrEmpty(kid)) throw new FormatException($"{at} has no kid.");
        var x = Coordinate(jwk, "x", at);
        var y = Coordinate(jwk, "y", at);
        var key = Import(x, y, out var problem) ?? throw new FormatException($"{at} ({kid}): {problem}");
        return (kid, key);
    }

    private static string? OptionalString(JsonElement jwk, string name, string at)
    {
        if (!jwk.TryGetProperty(name, out var value)) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new FormatException($"{at}: {name} must be a string.");
    }

    private static byte[] Coordinate(JsonElement jwk, string name, string at)
    {
        var text = OptionalString(jwk, name, at) ?? throw new FormatException($"{at}: {name} is missing.");
        if (!Base64UrlText.TryDecode(text, out var bytes)) throw new FormatException($"{at}: {name} is not base64url.");
        // RFC 7518 §6.2.1.2: the full coordinate length, leading zeros kept.
        if (bytes.Length != CoordinateBytes) throw new FormatException($"{at}: {name} must be {CoordinateBytes} bytes, not {bytes.Length}.");
        return bytes;
    }

    private static VerifyingKey? Import(byte[]? x, byte[]? y, out string? problem)
    {
        problem = null;
        if (x is not { Length: CoordinateBytes } || y is not { Length: CoordinateBytes })
        {
            problem = $"coordinates must be {CoordinateBytes} bytes.";
            return null;
        }
        var parameters = new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x.ToArray(), Y = y.ToArray() } };
        try
        {
            // The import checks that the point lies on the curve.
            return new VerifyingKey(parameters, ECDsa.Create(parameters));
        }
        catch (CryptographicException)
        {
            problem = $"the point is not on {Curve}.";
            return null;
        }
    }
}
