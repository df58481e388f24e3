using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Consent.Contracts.Signatures;

namespace Consent.Contracts.Tests.Signatures;

public sealed class ConsentKeysTests
{
    [Fact]
    public void The_published_set_holds_public_halves_only_in_the_JWK_form()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var json = ConsentKeys.Create([("consent-20261201-0a0b0c0d", key.ExportParameters(includePrivateParameters: true))]).ToJson();

        using var document = JsonDocument.Parse(json);
        var jwk = document.RootElement.GetProperty("keys").EnumerateArray().Single();
        jwk.EnumerateObject().Select(p => p.Name).ShouldBe(["kty", "crv", "x", "y", "kid", "use", "alg"]);
        jwk.GetProperty("kty").GetString().ShouldBe("EC");
        jwk.GetProperty("crv").GetString().ShouldBe("P-256");
        jwk.GetProperty("alg").GetString().ShouldBe("ES256");
        jwk.GetProperty("use").GetString().ShouldBe("sig");
        json.ShouldNotContain("\"d\"");
        ConsentKeys.Parse(json).KeyIds.ShouldBe(["consent-20261201-0a0b0c0d"]);
    }

    [Fact]
    public void A_set_carrying_a_private_key_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = key.ExportParameters(includePrivateParameters: true);

        var error = Should.Throw<FormatException>(() => ConsentKeys.Parse(Jwks(Jwk("k1", p.Q.X!, p.Q.Y!, extra: $",\"d\":\"{B64(p.D!)}\""))));
        error.Message.ShouldContain("private key");
    }

    [Fact]
    public void A_key_on_another_curve_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var p = key.ExportParameters(includePrivateParameters: false);

        Should.Throw<FormatException>(() => ConsentKeys.Parse(Jwks(Jwk("k1", p.Q.X!, p.Q.Y!, crv: "P-384"))))
            .Message.ShouldContain("crv \"P-256\"");
        // The right name on coordinates of the wrong size is refused as well.
        Should.Throw<FormatException>(() => ConsentKeys.Parse(Jwks(Jwk("k1", p.Q.X!, p.Q.Y!))))
            .Message.ShouldContain("32 bytes");
    }

    [Fact]
    public void A_point_that_is_not_on_P256_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = key.ExportParameters(includePrivateParameters: false);
        var y = p.Q.Y!.ToArray();
        y[^1] ^= 0x01;

        Should.Throw<FormatException>(() => ConsentKeys.Parse(Jwks(Jwk("k1", p.Q.X!, y))))
            .Message.ShouldContain("not on P-256");
    }

    [Fact]
    public void Keys_for_other_algorithms_are_skipped_so_a_later_algorithm_does_not_break_this_verifier()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = key.ExportParameters(includePrivateParameters: false);
        var json = Jwks(Jwk("k1", p.Q.X!, p.Q.Y!), """{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"k2","alg":"EdDSA"}""");

        ConsentKeys.Parse(json).KeyIds.ShouldBe(["k1"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("""{"keys":{}}""")]
    [InlineData("""{"keys":[1]}""")]
    public void Documents_that_are_not_a_key_set_are_refused(string json) =>
        Should.Throw<FormatException>(() => ConsentKeys.Parse(json));

    [Fact]
    public void A_kid_listed_twice_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = key.ExportParameters(includePrivateParameters: false);

        Should.Throw<FormatException>(() => ConsentKeys.Parse(Jwks(Jwk("k1", p.Q.X!, p.Q.Y!), Jwk("k1", p.Q.X!, p.Q.Y!))))
            .Message.ShouldContain("twice");
    }

    private static string B64(byte[] bytes) => Base64Url.EncodeToString(bytes);

    private static string Jwk(string kid, byte[] x, byte[] y, string crv = "P-256", string extra = "") =>
        $$"""{"kty":"EC","crv":"{{crv}}","x":"{{B64(x)}}","y":"{{B64(y)}}","kid":"{{kid}}","use":"sig","alg":"ES256"{{extra}}}""";

    private static string Jwks(params string[] keys) => $$"""{"keys":[{{string.Join(',', keys)}}]}""";
}
