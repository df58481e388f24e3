using System.Security.Claims;
using System.Text.Encodings.Web;
using Consent.Api.Auth;
using Consent.Api.Consents;
using Marten;
using Marten.Patching;
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
    IDocumentStore store, Consents.Storage.ClinicDatabases databases, TimeProvider clock, TabletSessionCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = TabletClaims.Scheme;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (AuthSetup.TabletTokenOf(Request) is not { } token) return AuthenticateResult.NoResult();
        // The device is known by a secret the service issues on the link's first use (the Consent-Device response
        // header), never by anything the caller chooses: a copied link, with any X-Device-Id, opens nothing elsewhere.
        var presented = Request.Headers[TabletDevice.Header].ToString();
        if (presented.Length > 0 && !TabletDevice.IsWellFormed(presented)) return AuthenticateResult.Fail("The Consent-Device header is not a device secret this service issued.");
        var issued = presented.Length == 0 ? TabletDevice.NewSecret() : null;
        var device = TabletDevice.KeyOf(presented.Length > 0 ? presented : issued!);
        var opened = await OpenAsync(store, databases, cache, clock, token, device, Context.RequestAborted);
        if (opened.Tablet is not { } tablet) return AuthenticateResult.Fail(opened.Failure!);
        // A fresh secret can only match a link that was unbound until now: this caller is the link's device from here on.
        // The header is added as the response starts, not now: an error answer (a 503 while the database is away) clears
        // the headers set so far, and a device that never learns the secret its link is now bound to is locked out of it.
        if (issued is not null)
        {
            Response.OnStarting(() =>
            {
                Response.Headers[TabletDevice.Header] = issued;
                return Task.CompletedTask;
            });
        }
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(PrincipalOf(tablet, SchemeName, device)), SchemeName));
    }

    /// <summary>
    /// The one check of a tablet token, for the JSON API and for the tablet's pages: known, not expired, not revoked,
    /// and used from the device that first opened it. A link copied to another device (or read off a tablet left in the
    /// waiting room) opens nothing; staff can issue a new one.
    /// </summary>
    public static Task<(TabletSession? Tablet, string? Failure)> OpenAsync(
        IDocumentStore store, Consents.Storage.ClinicDatabases databases, TabletSessionCache cache, TimeProvider clock, string token, string device, CancellationToken ct) =>
        OpenByHashAsync(store, databases, cache, clock, TabletSession.HashOf(token), device, ct);

    /// <summary>The same check for a link found by its hash (a short code typed on the tablet leads to it).</summary>
    public static async Task<(TabletSession? Tablet, string? Failure)> OpenByHashAsync(
        IDocumentStore store, Consents.Storage.ClinicDatabases databases, TabletSessionCache cache, TimeProvider clock, string hash, string device, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var tablet = cache.Get(hash, now);
        if (tablet is null)
        {
            // The token names no clinic; its session is in its clinic's database (one database unless clinics are spread).
            tablet = await databases.LoadAnywhereAsync<TabletSession>(store, hash, ct);
            if (tablet is not null) cache.Put(tablet, now);
        }
        if (tablet is null || !tablet.IsUsable(now)) return (null, "The tablet link is unknown, expired or revoked.");
        if (tablet.BoundDevice is null)
        {
            // Bound only if still unbound, in one statement: of two devices racing to use a fresh link, one wins and
            // the other is refused, rather than both being told yes and the last write deciding.
            var clinic = tablet.ClinicId;
            await using (var session = store.LightweightSession(clinic))
            {
                session.Patch<TabletSession>(t => t.Id == hash && t.BoundDevice == null).Set(t => t.BoundDevice, device);
                await session.SaveChangesAsync(ct);
            }
            await using (var session = store.QuerySession(clinic)) tablet = await session.LoadAsync<TabletSession>(hash, ct);
            if (tablet is null) return (null, "The tablet link is unknown, expired or revoked.");
            cache.Put(tablet, now);
        }
        if (tablet.BoundDevice != device)
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
