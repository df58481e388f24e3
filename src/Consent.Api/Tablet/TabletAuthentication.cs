using System.Security.Claims;
using System.Text.Encodings.Web;
using Consent.Api.Auth;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace Consent.Api.Tablet;

/// <summary>
/// Tablets send <c>Authorization: Bearer tab_…</c>. Such a token is checked against the stored tablet sessions;
/// any other bearer token goes to the staff JWT handler. A tablet principal has role "tablet" and the one
/// consent it may open.
/// </summary>
public sealed class TabletAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IDocumentStore store, TimeProvider clock, TabletSessionCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Tablet";
    public const string ConsentClaim = "consent";
    /// <summary>The SHA-256 of the tablet token, checked against the consent's current link on every request.</summary>
    public const string LinkClaim = "tablet_link";
    /// <summary>The browser session a tablet page runs in; recorded on its events as the device.</summary>
    public const string DeviceClaim = "device";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (TokenOf(Request) is not { } token) return AuthenticateResult.NoResult();
        var opened = await OpenAsync(store, cache, clock, token, Consents.Actor.From(Context).DeviceKey, Context.RequestAborted);
        return opened.Tablet is { } tablet
            ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(PrincipalOf(tablet, SchemeName)), SchemeName))
            : AuthenticateResult.Fail(opened.Failure!);
    }

    /// <summary>
    /// The one check of a tablet token, for the JSON API and for the tablet's pages: known, not expired, not revoked,
    /// and used from the device that first opened it. A link copied to another device (or read off a tablet left in the
    /// waiting room) opens nothing; staff can issue a new one.
    /// </summary>
    public static Task<(TabletSession? Tablet, string? Failure)> OpenAsync(
        IDocumentStore store, TabletSessionCache cache, TimeProvider clock, string token, string device, CancellationToken ct) =>
        OpenByHashAsync(store, cache, clock, TabletSession.HashOf(token), device, ct);

    /// <summary>The same check for a link found by its hash (a short code typed on the tablet leads to it).</summary>
    public static async Task<(TabletSession? Tablet, string? Failure)> OpenByHashAsync(
        IDocumentStore store, TabletSessionCache cache, TimeProvider clock, string hash, string device, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var tablet = cache.Get(hash, now);
        if (tablet is null)
        {
            await using var session = store.QuerySession();
            tablet = await session.LoadAsync<TabletSession>(hash, ct);
            if (tablet is not null) cache.Put(tablet, now);
        }
        if (tablet is null || !tablet.IsUsable(now)) return (null, "The tablet link is unknown, expired or revoked.");
        if (tablet.BoundDevice is null)
        {
            tablet.BoundDevice = device;
            await using var session = store.LightweightSession();
            session.Store(tablet);
            await session.SaveChangesAsync(ct);
            cache.Put(tablet, now);
        }
        else if (tablet.BoundDevice != device)
        {
            return (null, "The tablet link is in use on another device.");
        }
        return (tablet, null);
    }

    /// <summary>A tablet principal: role "tablet", its clinic, the one consent it may open, and the link it came from.</summary>
    public static ClaimsIdentity PrincipalOf(TabletSession tablet, string scheme, string? device = null) => new(
        [
            new Claim(StaffRoles.SubjectClaim, "tablet:" + tablet.Id[..12]),
            new Claim(StaffRoles.RoleClaim, StaffRoles.Tablet),
            new Claim(StaffRoles.ClinicClaim, tablet.ClinicId),
            new Claim(ConsentClaim, tablet.ConsentId),
            new Claim(LinkClaim, tablet.Id),
            .. device is null ? Array.Empty<Claim>() : [new Claim(DeviceClaim, device)],
        ], scheme, StaffRoles.SubjectClaim, StaffRoles.RoleClaim);

    internal static string? TokenOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return header.StartsWith(bearer + TabletSession.TokenPrefix, StringComparison.Ordinal) && header.Length < 200 ? header[bearer.Length..] : null;
    }

    public static AuthenticationBuilder AddTabletTokens(AuthenticationBuilder builder)
    {
        builder.AddScheme<AuthenticationSchemeOptions, TabletAuthenticationHandler>(SchemeName, null);
        // One default scheme that looks at the token and hands it to the handler that understands it.
        builder.AddPolicyScheme("BearerOrTablet", null, o => o.ForwardDefaultSelector = http =>
            TokenOf(http.Request) is null ? JwtBearerDefaults.AuthenticationScheme : SchemeName);
        return builder;
    }
}
