using System.Security.Claims;
using System.Text.Encodings.Web;
using Consent.Api.Auth;
using Consent.Api.Consents;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Consent.Api.Auditing;

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
    public const string SchemeName = TabletClaims.Scheme;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (AuthSetup.TabletTokenOf(Request) is not { } token) return AuthenticateResult.NoResult();
        var opened = await OpenAsync(store, cache, clock, token, Actor.From(Context).DeviceKey, Context.RequestAborted);
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
            new Claim(TabletClaims.Consent, tablet.ConsentId),
            new Claim(TabletClaims.Link, tablet.Id),
            .. device is null ? Array.Empty<Claim>() : [new Claim(TabletClaims.Device, device)],
        ], scheme, StaffRoles.SubjectClaim, StaffRoles.RoleClaim);
}
