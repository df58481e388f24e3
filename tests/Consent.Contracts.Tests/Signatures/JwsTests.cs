using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Consent.Api.Signing;
using Consent.Contracts.Signatures;
using Consent.Contracts.Tests.Signing;

namespace Consent.Contracts.Tests.Signatures;

public sealed class JwsTests : IDisposable
{
    private static readonly byte[] Message = """{"eventId":"6b1f0c2e-0000-4000-8000-000000000001","consentId":"cns_x","allowed":false,"reason":"withdrawn"}"""u8.ToArray();

    private readonly KeyDirectory _directory = new();
    private readonly SigningKeyRing _ring;
    private readonly ServiceSigner _signer;
    private readonly ConsentKeys _keys;

    public JwsTests()
    {
        _ring = _directory.Open();
        _signer = new ServiceSigner(_ring);
        // Parsed from the published JSON, as a subscriber gets them.
        _keys = ConsentKeys.Parse(_ring.PublishedJson);
    }

    public void Dispose()
    {
        _ring.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public void A_signed_message_verifies_and_its_payload_is_the_message()
    {
        var jws = _signer.Sign(Message, Jws.EventMessageType);

        Jws.TryVerify(jws, _keys, out var payload, out var error).ShouldBeTrue(error);
        payload.ShouldBe(Message);
        error.ShouldBeNull();
        Jws.TryVerify(jws, _keys, Jws.EventMessageType, out _, out error).ShouldBeTrue(error);
    }

    [Fact]
    public void The_header_names_ES256_the_active_kid_and_the_type()
    {
        var header = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(_signer.Sign(Message, Jws.EventMessageType).Split('.')[0]));

        header.ShouldBe($$"""{"alg":"ES256","kid":"{{_ring.ActiveKid}}","typ":"consent-event+jws"}""");
    }

    [Fact]
    public void A_detached_signature_verifies_over_its_payload_and_no_other()
    {
        var detached = _signer.SignDetached(Message, "consent-record+jws");

        detached.Split('.')[1].ShouldBeEmpty();
        Jws.TryVerifyDetached(detached, Message, _keys, out var error).ShouldBeTrue(error);
        Jws.TryVerifyDetached(detached, "{}"u8, _keys, out error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("signature does not match");
    }

    [Fact]
    public void A_detached_signature_is_not_an_attached_one_and_the_other_way_round()
    {
        Jws.TryVerify(_signer.SignDetached(Message, "t"), _keys, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("no payload");

        Jws.TryVerifyDetached(_signer.Sign(Message, "t"), Message, _keys, out error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("not detached");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Changing_any_part_fails(int part)
    {
        var parts = _signer.Sign(Message, Jws.EventMessageType).Split('.');
        parts[part] = part switch
        {
            0 => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($$"""{"alg":"ES256","kid":"{{_ring.ActiveKid}}","typ":"consent-record+jws"}""")),
            1 => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Message).Replace("withdrawn", "granted", StringComparison.Ordinal))),
            _ => FlipOneBit(parts[2]),
        };

        Jws.TryVerify(string.Join('.', parts), _keys, out var payload, out var error).ShouldBeFalse();
        payload.ShouldBeEmpty();
        error.ShouldNotBeNull().ShouldContain("signature does not match");
    }

    [Fact]
    public void A_type_other_than_the_expected_one_fails()
    {
        var record = _signer.Sign(Message, "consent-record+jws");

        Jws.TryVerify(record, _keys, Jws.EventMessageType, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("typ");
    }

    [Fact]
    public void A_kid_not_in_the_key_set_fails()
    {
        using var other = new KeyDirectory();
        using var otherRing = other.Open();
        var forged = new ServiceSigner(otherRing).Sign(Message, Jws.EventMessageType);

        Jws.TryVerify(forged, _keys, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain($"unknown kid '{otherRing.ActiveKid}'");
    }

    [Fact]
    public void A_forger_reusing_our_kid_with_their_own_key_fails()
    {
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = Compose(forger, $$"""{"alg":"ES256","kid":"{{_ring.ActiveKid}}"}""", Message);

        Jws.TryVerify(forged, _keys, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("signature does not match");
    }

    [Fact]
    public void Alg_none_is_refused()
    {
        var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($$"""{"alg":"none","kid":"{{_ring.ActiveKid}}"}"""));
        var unsigned = $"{header}.{Base64Url.EncodeToString(Message)}.";

        Jws.TryVerify(unsigned, _keys, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("alg 'none' is not accepted");
    }

    [Theory]
    [InlineData("HS256")]
    [InlineData("ES384")]
    [InlineData("RS256")]
    [InlineData("es256")]
    public void Algorithms_other_than_ES256_are_refused_even_with_a_valid_signature(string alg)
    {
        using var key = ActivePrivateKey();
        var jws = Compose(key, $$"""{"alg":"{{alg}}","kid":"{{_ring.ActiveKid}}"}""", Message);

        Jws.TryVerify(jws, _keys, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain($"alg '{alg}' is not accepted");
    }

    [Fact]
    public void A_crit_header_is_refused_even_with_a_valid_signature()
    {
        using var key = ActivePrivateKey();
        var jws = Compose(key, $$"""{"alg":"ES256","kid":"{{_ring.ActiveKid}}","crit":["exp"],"exp":1}""", Message);

        Jws.TryVerify(jws, _keys, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("crit");
    }

    [Fact]
    public void A_header_repeating_a_member_is_refused_even_with_a_valid_signature()
    {
        using var key = ActivePrivateKey();
        var jws = Compose(key, $$"""{"alg":"ES256","kid":"{{_ring.ActiveKid}}","alg":"none"}""", Message);

        Jws.TryVerify(jws, _keys, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("repeats a member");
    }

    [Fact]
    public void A_DER_encoded_signature_is_refused_by_its_length()
    {
        using var key = ActivePrivateKey();
        var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($$"""{"alg":"ES256","kid":"{{_ring.ActiveKid}}"}"""));
        var body = Base64Url.EncodeToString(Message);
        var der = key.SignData(Encoding.ASCII.GetBytes($"{header}.{body}"), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        Jws.TryVerify($"{header}.{body}.{Base64Url.EncodeToString(der)}", _keys, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("64 bytes");
    }

    [Theory]
    [InlineData("padding")]
    [InlineData("plus")]
    [InlineData("space")]
    public void Base64url_that_is_not_strict_is_refused(string spoil)
    {
        var parts = _signer.Sign(Message, Jws.EventMessageType).Split('.');
        parts[2] = spoil switch
        {
            "padding" => parts[2] + "==",
            "plus" => "+" + parts[2][1..],
            _ => parts[2][..10] + " " + parts[2][10..],
        };

        Jws.TryVerify(string.Join('.', parts), _keys, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("base64url");
    }

    [Fact]
    public void A_signature_spelled_another_way_for_the_same_bytes_is_refused()
    {
        var jws = _signer.Sign(Message, Jws.EventMessageType);
        // 64 bytes take 86 characters; the last one carries 2 bits and 4 zero bits. Setting one of those gives the same
        // bytes under another spelling, which would let one signed message pass deduplication twice.
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var respelled = jws[..^1] + alphabet[alphabet.IndexOf(jws[^1], StringComparison.Ordinal) | 1];

        Jws.TryVerify(respelled, _keys, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("base64url");
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("...")]
    public void Strings_that_are_not_three_parts_are_refused(string text)
    {
        Jws.TryVerify(text, _keys, out var payload, out var error).ShouldBeFalse();
        payload.ShouldBeEmpty();
        error.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void Any_one_character_changed_anywhere_gives_a_refusal_with_a_reason_never_an_exception()
    {
        var jws = _signer.Sign(Message, Jws.EventMessageType);
        const string characters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \0\u00e9\ud83d";
        var random = new Random(1507);
        for (var i = 0; i < 3000; i++)
        {
            var at = random.Next(jws.Length);
            var changed = jws[..at] + characters[random.Next(characters.Length)] + jws[(at + 1)..];
            if (changed == jws) continue;

            Jws.TryVerify(changed, _keys, out var payload, out var error).ShouldBeFalse(changed);
            payload.ShouldBeEmpty();
            error.ShouldNotBeNullOrWhiteSpace();
        }
    }

    private ECDsa ActivePrivateKey()
    {
        var keys = SigningKeyFiles.Load(_directory.Path);
        var active = keys.Single(k => k.Kid == _ring.ActiveKid);
        var copy = ECDsa.Create(active.PrivateKey!.ExportParameters(includePrivateParameters: true));
        foreach (var key in keys) key.Dispose();
        return copy;
    }

    private static string Compose(ECDsa key, string headerJson, byte[] payload)
    {
        var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(headerJson));
        var body = Base64Url.EncodeToString(payload);
        var signature = key.SignData(Encoding.ASCII.GetBytes($"{header}.{body}"), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{header}.{body}.{Base64Url.EncodeToString(signature)}";
    }

    private static string FlipOneBit(string base64Url)
    {
        var bytes = Base64Url.DecodeFromChars(base64Url);
        bytes[5] ^= 0x01;
        return Base64Url.EncodeToString(bytes);
    }
}
