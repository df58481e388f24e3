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

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (TokenOf(Request) is not { } token) return AuthenticateResult.NoResult();
        var hash = TabletSession.HashOf(token);
        var now = clock.GetUtcNow();
        var tablet = cache.Get(hash, now);
        await using var session = store.LightweightSession();
        if (tablet is null)
        {
            tablet = await session.LoadAsync<TabletSession>(hash, Context.RequestAborted);
            if (tablet is not null) cache.Put(tablet, now);
        }
        if (tablet is null || !tablet.IsUsable(now))
        {
            return AuthenticateResult.Fail("The tablet link is unknown, expired or revoked.");
        }
        // Single use per device session: the first device to open the link keeps it. A link copied to another
        // device (or read off a tablet left in the waiting room) opens nothing; staff can issue a new one.
        var device = Consents.Actor.From(Context).DeviceKey;
        if (tablet.BoundDevice is null)
        {
            tablet.BoundDevice = device;
            session.Store(tablet);
            await session.SaveChangesAsync(Context.RequestAborted);
            cache.Put(tablet, now);
        }
        else if (tablet.BoundDevice != device)
        {
            return AuthenticateResult.Fail("The tablet link is in use on another device.");
        }
        var identity = new ClaimsIdentity(
        [
            new Claim(StaffRoles.SubjectClaim, "tablet:" + tablet.Id[..12]),
            new Claim(StaffRoles.RoleClaim, StaffRoles.Tablet),
            new Claim(StaffRoles.ClinicClaim, tablet.ClinicId),
            new Claim(ConsentClaim, tablet.ConsentId),
            new Claim(LinkClaim, tablet.Id),
        ], SchemeName, StaffRoles.SubjectClaim, StaffRoles.RoleClaim);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

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
