using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Consent.Api.Tests.Auth;

[Trait("Category", "Infrastructure")]
public sealed class TokenAuthenticationTests(TokenAuthenticationTests.Factory factory) : IClassFixture<TokenAuthenticationTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private static readonly Uri Me = new("/api/me", UriKind.Relative);
    private static readonly Uri Workflows = new("/api/workflows", UriKind.Relative);

    [Fact]
    public async Task A_request_without_a_token_gets_401_as_problem_json()
    {
        var response = await factory.CreateClient().GetAsync(Me);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        response.Headers.WwwAuthenticate.ToString().ShouldContain("Bearer");
    }

    [Fact]
    public async Task A_valid_local_token_identifies_the_caller_by_subject_role_and_clinic()
    {
        var response = await Send(Me, factory.Token(StaffRoles.Clinician, clinic: "north", sub: "dr-jones"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldContain("\"sub\":\"dr-jones\"");
        body.ShouldContain("\"role\":\"clinician\"");
        body.ShouldContain("\"clinic\":\"north\"");
    }

    public static TheoryData<string, string> BadTokens()
    {
        var otherKey = LocalTokens.KeyFromBase64(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        return new()
        {
            { "garbage", "not-a-jwt" },
            { "signed with another key", LocalTokens.Create(otherKey, "x", StaffRoles.Admin, "demo", TimeSpan.FromHours(1), DateTimeOffset.UtcNow) },
            { "unsigned (alg none)", Unsigned() },
        };
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_token_that_is_not_ours_gets_401(string why, string token)
    {
        (await Send(Me, token)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, why);
    }

    [Fact]
    public async Task An_expired_token_gets_401()
    {
        var token = LocalTokens.Create(factory.SigningKey, "x", StaffRoles.Coordinator, "demo", TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow.AddHours(-2));
        (await Send(Me, token)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_token_whose_role_was_edited_after_signing_gets_401()
    {
        var parts = factory.Token(StaffRoles.Integration).Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"integration\"", "\"admin\"", StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";

        (await Send(Me, tampered)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_token_for_another_audience_gets_401()
    {
        var token = Sign(factory.SigningKey, audience: "some-other-api", new Claim("role", "admin"), new Claim("clinic", "demo"));
        (await Send(Me, token)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_token_without_a_clinic_gets_403()
    {
        var token = Sign(factory.SigningKey, LocalTokens.Audience, new Claim("sub", "x"), new Claim("role", "admin"));
        (await Send(Me, token)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("north.east")]
    [InlineData("demo#")]
    [InlineData("")]
    public async Task A_token_whose_clinic_is_not_a_plain_id_gets_403(string clinic)
    {
        // A clinic id is a tenant, a routing key part and a broker permission: a dot would make its events unroutable.
        (await Send(Workflows, factory.Token(StaffRoles.Coordinator, clinic))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Send(Me, factory.Token(StaffRoles.Coordinator, clinic))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_integration_token_on_a_staff_endpoint_gets_403_as_problem_json()
    {
        var response = await Send(Workflows, factory.Token(StaffRoles.Integration));

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Theory]
    [InlineData(StaffRoles.Coordinator)]
    [InlineData(StaffRoles.Clinician)]
    [InlineData(StaffRoles.Admin)]
    public async Task Staff_roles_may_read_the_workflows(string role)
    {
        (await Send(Workflows, factory.Token(role))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_token_printed_by_the_cli_from_the_configured_key_file_is_accepted()
    {
        var keyFile = Path.Combine(Path.GetTempPath(), $"consent-key-{Guid.NewGuid():N}");
        try
        {
            var token = await CliToken(keyFile, "--role", "coordinator", "--clinic", "demo", "--sub", "cli-user");
            await using var cliKeyed = new ApiFactory(new Dictionary<string, string?> { ["Auth:LocalSigningKey"] = null, ["Auth:LocalSigningKeyFile"] = keyFile });
            var client = cliKeyed.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            var response = await client.GetAsync(Me);

            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await response.Content.ReadAsStringAsync()).ShouldContain("cli-user");
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    private async Task<HttpResponseMessage> Send(Uri uri, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await factory.CreateClient().SendAsync(request);
    }

    private static string Sign(SecurityKey key, string audience, params Claim[] claims) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = LocalTokens.Issuer,
            Audience = audience,
            Expires = DateTime.UtcNow.AddHours(1),
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });

    private static string Unsigned()
    {
        static string Part(string json) => Base64UrlEncoder.Encode(json);
        var exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        return $"{Part("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{Part($"{{\"iss\":\"{LocalTokens.Issuer}\",\"aud\":\"{LocalTokens.Audience}\",\"sub\":\"x\",\"role\":\"admin\",\"clinic\":\"demo\",\"exp\":{exp}}}")}.";
    }

    private static async Task<string> CliToken(string keyFile, params string[] args)
    {
        var (exit, output, errors) = await BuiltPrograms.ConsentCliAsync(["token", "--key-file", keyFile, .. args]);
        exit.ShouldBe(0, errors);
        return output.Trim();
    }
}
