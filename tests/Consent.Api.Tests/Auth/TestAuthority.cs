using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Consent.Api.Tests.Auth;

/// <summary>
/// An OpenID Connect authority over real HTTP for the dashboard's code flow: discovery, keys, <c>/authorize</c> (PKCE
/// S256 required; <c>prompt=login</c> and <c>max_age</c> honoured against its own sign-in session, as a real one keeps)
/// and <c>/token</c> (the code once, the verifier checked), issuing id_tokens with <c>auth_time</c>. Who signs in at its
/// "login page" is set by the test (<see cref="SignsIn"/>); <see cref="IgnoresFreshSignIn"/> makes it an authority that
/// answers from an old sign-in whatever it was asked.
/// </summary>
public sealed class TestAuthority : IAsyncDisposable
{
    public sealed record Person(string Subject, string Name, string Role, string Clinic);

    private sealed record Grant(string ClientId, string RedirectUri, string Challenge, string Nonce, Person Person, DateTimeOffset AuthTime);

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, Grant> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _sessions = new(StringComparer.Ordinal);
    private WebApplication? _app;

    public const string ClientId = "consent-dashboard";
    public const string ClientSecret = "dashboard client secret";

    public string Issuer { get; private set; } = "";

    /// <summary>Who types their password at the authority next.</summary>
    public Person? SignsIn { get; set; }

    /// <summary>When set, every id_token carries this <c>auth_time</c>, whatever <c>prompt</c> or <c>max_age</c> asked.</summary>
    public DateTimeOffset? IgnoresFreshSignIn { get; set; }

    /// <summary>A broken authority that redeems a code more than once (to reach the service's own one-use check).</summary>
    public bool RedeemsCodesTwice { get; set; }

    /// <summary>Every authorization request's parameters, in order.</summary>
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> AuthorizeRequests { get; } = new();

    public static async Task<TestAuthority> StartAsync()
    {
        var authority = new TestAuthority();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        authority._app = app;
        app.MapGet("/.well-known/openid-configuration", authority.Discovery);
        app.MapGet("/jwks", authority.Keys);
        app.MapGet("/authorize", authority.Authorize);
        app.MapPost("/token", authority.TokenAsync);
        await app.StartAsync();
        authority.Issuer = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return authority;
    }

    private IResult Discovery() => Results.Json(new Dictionary<string, object>
    {
        ["issuer"] = Issuer,
        ["jwks_uri"] = Issuer + "/jwks",
        ["authorization_endpoint"] = Issuer + "/authorize",
        ["token_endpoint"] = Issuer + "/token",
        ["response_types_supported"] = new[] { "code" },
        ["code_challenge_methods_supported"] = new[] { "S256" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
    });

    private IResult Keys()
    {
        var p = _rsa.ExportParameters(false);
        return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = "test-authority", n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) } } });
    }

    private IResult Authorize(HttpRequest request)
    {
        var q = request.Query.ToDictionary(k => k.Key, v => v.Value.ToString(), StringComparer.Ordinal);
        AuthorizeRequests.Enqueue(q);
        string Get(string key) => q.GetValueOrDefault(key) ?? "";
        if (Get("client_id") != ClientId || Get("response_type") != "code" || Get("code_challenge_method") != "S256"
            || Get("code_challenge").Length < 43 || Get("redirect_uri").Length == 0 || Get("state").Length == 0 || Get("nonce").Length == 0)
        {
            return Results.BadRequest("invalid_request");
        }
        var person = SignsIn ?? throw new InvalidOperationException("the test did not say who signs in at the authority");
        var now = DateTimeOffset.UtcNow;
        // A real authority signs the user in again when asked to (prompt=login, or a max_age the session is older than),
        // and otherwise answers from the sign-in it already has.
        var fresh = Get("prompt").Split(' ').Contains("login")
            || !_sessions.TryGetValue(person.Subject, out var last)
            || (long.TryParse(Get("max_age"), out var maxAge) && (now - last).TotalSeconds >= maxAge);
        var authTime = IgnoresFreshSignIn ?? (fresh ? now : _sessions[person.Subject]);
        _sessions[person.Subject] = authTime;
        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        _codes[code] = new Grant(ClientId, Get("redirect_uri"), Get("code_challenge"), Get("nonce"), person, authTime);
        var answer = new Dictionary<string, string> { ["code"] = code, ["state"] = Get("state") };
        if (Get("response_mode") == "form_post")
        {
            var inputs = string.Concat(answer.Select(a => $"<input type=\"hidden\" name=\"{a.Key}\" value=\"{WebUtility.HtmlEncode(a.Value)}\">"));
            return Results.Content($"<html><body><form method=\"post\" action=\"{WebUtility.HtmlEncode(Get("redirect_uri"))}\">{inputs}</form></body></html>", "text/html");
        }
        var separator = Get("redirect_uri").Contains('?', StringComparison.Ordinal) ? "&" : "?";
        return Results.Redirect(Get("redirect_uri") + separator + string.Join("&", answer.Select(a => $"{a.Key}={Uri.EscapeDataString(a.Value)}")));
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        var code = form["code"].ToString();
        var found = RedeemsCodesTwice ? _codes.TryGetValue(code, out var grant) : _codes.TryRemove(code, out grant);
        var (clientId, secret) = ClientOf(request, form);
        if (form["grant_type"] != "authorization_code" || !found || grant is null || clientId != grant.ClientId || secret != ClientSecret
            || form["redirect_uri"] != grant.RedirectUri
            || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))) != grant.Challenge)
        {
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        }
        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = grant.ClientId,
            IssuedAt = DateTime.UtcNow,
            NotBefore = DateTime.UtcNow.AddSeconds(-1),
            Expires = DateTime.UtcNow.AddMinutes(5),
            Subject = new ClaimsIdentity([new Claim("sub", grant.Person.Subject)]),
            Claims = new Dictionary<string, object>
            {
                ["name"] = grant.Person.Name,
                ["role"] = grant.Person.Role,
                ["clinic"] = grant.Person.Clinic,
                ["nonce"] = grant.Nonce,
                ["auth_time"] = grant.AuthTime.ToUnixTimeSeconds(),
            },
            SigningCredentials = Credentials,
        });
        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32)),
            ["token_type"] = "Bearer",
            ["expires_in"] = 300,
            ["id_token"] = idToken,
        });
    }

    private static (string? Id, string? Secret) ClientOf(HttpRequest request, IFormCollection form)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])).Split(':', 2);
            return (Uri.UnescapeDataString(pair[0]), Uri.UnescapeDataString(pair[1]));
        }
        return (form["client_id"], form["client_secret"]);
    }

    /// <summary>An API access token from this authority, for the service's own audience.</summary>
    public string AccessToken(string audience, string subject, string role, string clinic) =>
        Token(audience, new Claim("sub", subject), new Claim("role", role), new Claim("clinic", clinic));

    /// <summary>A token this authority signs, for <paramref name="audience"/>, with exactly <paramref name="claims"/> (its own claim names).</summary>
    public string Token(string audience, params Claim[] claims) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Expires = DateTime.UtcNow.AddMinutes(10),
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = Credentials,
        });

    private SigningCredentials Credentials => new(new RsaSecurityKey(_rsa) { KeyId = "test-authority" }, SecurityAlgorithms.RsaSha256);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        _rsa.Dispose();
    }
}
