using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Auth;

/// <summary>
/// Production mode is configuration only: point Auth:Authority at an OpenID Connect authority and the service
/// validates its tokens. The authority here is a real HTTP server (<see cref="TestAuthority"/>) publishing discovery and signing keys.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class OidcModeTests : IAsyncLifetime
{
    private TestAuthority? _authority;
    private string _issuer = "";
    private ApiFactory? _api;

    public async Task InitializeAsync()
    {
        _authority = await TestAuthority.StartAsync();
        _issuer = _authority.Issuer;

        _api = new ApiFactory(new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Oidc",
            ["Auth:Authority"] = _issuer,
            ["Auth:Audience"] = "consent",
            ["Auth:RequireHttpsMetadata"] = "false",
            ["Auth:RoleClaim"] = "roles",
            ["Auth:ClinicClaim"] = "tenant",
        });
    }

    public async Task DisposeAsync()
    {
        if (_api is not null) await _api.DisposeAsync();
        if (_authority is not null) await _authority.DisposeAsync();
    }

    [Fact]
    public async Task A_token_from_the_configured_authority_is_accepted_with_its_own_claim_names()
    {
        var token = AuthorityToken(audience: "consent", new Claim("sub", "oidc-user"), new Claim("roles", "coordinator"), new Claim("tenant", "north"));

        var response = await Get("/api/workflows", token);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var me = await (await Get("/api/me", token)).Content.ReadAsStringAsync();
        me.ShouldContain("\"clinic\":\"north\"");
    }

    [Fact]
    public async Task A_local_token_is_refused_in_oidc_mode()
    {
        var local = LocalTokens.Create(_api!.SigningKey, "x", StaffRoles.Admin, "demo", TimeSpan.FromHours(1), DateTimeOffset.UtcNow);
        (await Get("/api/me", local)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_authority_token_for_another_audience_is_refused()
    {
        var token = AuthorityToken(audience: "other", new Claim("sub", "x"), new Claim("roles", "admin"), new Claim("tenant", "north"));
        (await Get("/api/me", token)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_authority_token_with_the_wrong_role_gets_403()
    {
        var token = AuthorityToken(audience: "consent", new Claim("sub", "x"), new Claim("roles", "integration"), new Claim("tenant", "north"));
        (await Get("/api/workflows", token)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task With_a_dashboard_client_configured_staff_are_sent_to_the_authority_to_sign_in_with_pkce()
    {
        await using var api = new ApiFactory(new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Oidc",
            ["Auth:Authority"] = _issuer,
            ["Auth:Audience"] = "consent",
            ["Auth:RequireHttpsMetadata"] = "false",
            ["Auth:DashboardClientId"] = "consent-dashboard",
            ["Auth:DashboardClientSecret"] = "not-a-real-secret",
        });
        using var client = api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync("/dashboard");

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var location = response.Headers.Location!.ToString();
        location.ShouldStartWith(_issuer + "/authorize?");
        location.ShouldContain("client_id=consent-dashboard");
        location.ShouldContain("code_challenge_method=S256");
        location.ShouldContain(Uri.EscapeDataString("/dashboard/signin-oidc"));
        // No local sign-in form is offered beside the authority.
        (await client.GetStringAsync("/dashboard/signin")).ShouldNotContain("name=\"password\"");
    }

    private string AuthorityToken(string audience, params Claim[] claims) => _authority!.Token(audience, claims);

    private async Task<HttpResponseMessage> Get(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _api!.CreateClient().SendAsync(request);
    }
}
