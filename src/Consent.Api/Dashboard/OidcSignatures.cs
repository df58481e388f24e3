using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Consent.Api.Auditing;
using Consent.Api.Auth;
using Consent.Api.Consents;
using Consent.Api.Dashboard.Pages;
using Consent.Workflows.Runtime;
using Marten;
using JasperFx;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Consent.Api.Dashboard;

/// <summary>
/// A staff signature asked of someone who signed in to the dashboard at the clinic's OIDC authority (they have no local
/// password to type again): what they asked to sign, kept on the server while the authority signs them in afresh.
/// The browser carries only a random key, inside the protected OIDC state; the row holds a digest of it.
/// </summary>
public sealed class PendingStaffSignature
{
    public string Id { get; set; } = "";
    public string Subject { get; set; } = "";
    public string ClinicId { get; set; } = "";
    /// <summary>A digest of the dashboard session that asked: a callback arriving in another session signs nothing.</summary>
    public string SessionDigest { get; set; } = "";
    public string ConsentId { get; set; } = "";
    public string Act { get; set; } = "";
    public long Version { get; set; }
    /// <summary>The act's tick box (the countersign attestation, the reaffirmation's "confirmed").</summary>
    public bool? Confirmed { get; set; }
    public string? Reason { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// Marks a pending signature used. Inserted, never updated: of two callbacks racing with the same state, the primary key
/// lets exactly one through.
/// </summary>
public sealed class UsedStaffSignature
{
    public string Id { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// Staff signatures for OIDC-signed-in staff (21 CFR 11.200: both identification components at signing). Signing sends
/// the signer to the authority with <c>prompt=login</c> and <c>max_age=0</c> on a scheme of its own (its callback never
/// signs anyone in), and the act is stored only when the authority's new id_token names the same <c>sub</c> as the
/// session and carries an <c>auth_time</c> from after the request began. Staff signed in with a local password sign as
/// before, by typing it again.
/// </summary>
public sealed partial class OidcSignatures(IDocumentStore store, ConsentWriter writer, TimeProvider clock, IOptions<AuthSettings> auth,
    IOptionsMonitor<CookieAuthenticationOptions> cookies, ILogger<OidcSignatures> log)
{
    public const string Scheme = "StaffOidcSignature";
    public const string CallbackPath = "/dashboard/signature-oidc";
    /// <summary>The <see cref="StaffSigned.AuthMethod"/> of a signature proved by a fresh sign-in at the authority.</summary>
    public const string AuthMethod = "oidc_reauthentication";
    /// <summary>How long the signer has to sign in at the authority.</summary>
    public static readonly TimeSpan PendingFor = TimeSpan.FromMinutes(10);
    /// <summary>
    /// How far the authority's clock may run behind ours: <c>auth_time</c> is in whole seconds on another machine, so a
    /// sign-in a moment after the request may be stamped a little before it. Older than this is not a fresh sign-in.
    /// </summary>
    public static readonly TimeSpan AuthorityClockSkew = TimeSpan.FromSeconds(5);

    private const string PendingItem = "consent.signature";
    private const string ConsentItem = "consent.id";
    // The cookie handler names the server-side session in this claim of the cookie's own ticket.
    private const string SessionIdClaim = "Microsoft.AspNetCore.Authentication.Cookies-SessionId";

    /// <summary>Why a signature through the authority was refused; the page says it in words (<see cref="Words"/>).</summary>
    public static class Refusals
    {
        public const string Account = "account";
        public const string Stale = "stale";
        public const string Used = "used";
        public const string Session = "session";
        public const string Authority = "authority";
        public const string Refused = "refused";
    }

    public static string? Words(string? refusal) => refusal switch
    {
        Refusals.Account => "Another account signed in at the sign-in service; only the signed-in account can sign. Nothing was signed.",
        Refusals.Stale => "The sign-in service did not ask for your password again (its sign-in is older than this request). Nothing was signed.",
        Refusals.Used => "This signature request was already used or has expired. Nothing was signed; sign again.",
        Refusals.Session => "The signature was not started in this dashboard session. Nothing was signed.",
        Refusals.Authority => "The sign-in service did not sign you in again. Nothing was signed.",
        Refusals.Refused => "The consent changed or did not accept the act; nothing was signed. Here it is as it is now.",
        _ => null,
    };

    /// <summary>Whether <paramref name="user"/> signs through the authority: signed in there, not with a local password.</summary>
    public bool Applies(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var a = auth.Value;
        return a.IsOidc && !string.IsNullOrWhiteSpace(a.DashboardClientId)
            && user.Identity is { IsAuthenticated: true, AuthenticationType: { } type } && type != DashboardSetup.CookieScheme;
    }

    /// <summary>Keeps what is to be signed and sends the signer to the authority for a fresh sign-in.</summary>
    public async Task<IActionResult> BeginAsync(HttpContext http, string consentId, long version, string act, bool? confirmed, string? reason)
    {
        ArgumentNullException.ThrowIfNull(http);
        var session = SessionDigest(http);
        var subject = http.User.FindFirst(StaffRoles.SubjectClaim)?.Value;
        var clinic = http.User.FindFirst(StaffRoles.ClinicClaim)?.Value;
        if (session is null || subject is null || clinic is null) return new ChallengeResult(DashboardSetup.CookieScheme);
        var key = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow();
        await using (var db = store.LightweightSession())
        {
            // Requests are rare: the moment to drop the ones that ended by themselves.
            db.DeleteWhere<PendingStaffSignature>(p => p.ExpiresAt < now);
            db.DeleteWhere<UsedStaffSignature>(p => p.ExpiresAt < now);
            db.Store(new PendingStaffSignature
            {
                Id = Digest(key), Subject = subject, ClinicId = clinic, SessionDigest = session, ConsentId = consentId, Act = act,
                Version = version, Confirmed = confirmed, Reason = reason, RequestedAt = now, ExpiresAt = now + PendingFor,
            });
            await db.SaveChangesAsync(http.RequestAborted);
        }
        var properties = new AuthenticationProperties { RedirectUri = $"/dashboard/consents/{Uri.EscapeDataString(consentId)}" };
        properties.Items[PendingItem] = key;
        properties.Items[ConsentItem] = consentId;
        return new ChallengeResult(Scheme, properties);
    }

    /// <summary>The authority's answer: the act is stored only for the same account, freshly signed in, once.</summary>
    public async Task CompleteAsync(TicketReceivedContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // This scheme's ticket never becomes a session: the one signed in stays signed in, whoever signed in at the authority.
        context.HandleResponse();
        var http = context.HttpContext;
        var consentId = Item(context.Properties, ConsentItem);
        var (done, refusal) = await DecideAsync(http, Item(context.Properties, PendingItem), context.Principal);
        if (refusal is not null) SignatureRefused(log, refusal, consentId);
        http.Response.Redirect(ConsentPage(consentId, done is null ? $"signature={refusal}" : $"done={done}"));
    }

    /// <summary>The authority failed or refused (or the callback was replayed without its cookies): nothing is signed.</summary>
    public static Task FailedAsync(RemoteFailureContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.HandleResponse();
        context.Response.Redirect(ConsentPage(Item(context.Properties, ConsentItem), "signature=" + Refusals.Authority));
        return Task.CompletedTask;
    }

    private static string? Item(AuthenticationProperties? properties, string key) =>
        properties is not null && properties.Items.TryGetValue(key, out var value) ? value : null;

    private static string ConsentPage(string? consentId, string query) =>
        consentId is { Length: > 0 } ? $"/dashboard/consents/{Uri.EscapeDataString(consentId)}?{query}" : "/dashboard";

    private async Task<(string? Done, string? Refusal)> DecideAsync(HttpContext http, string? key, ClaimsPrincipal? fresh)
    {
        if (key is null) return (null, Refusals.Used);
        var now = clock.GetUtcNow();
        await using var db = store.LightweightSession();
        var pending = await db.LoadAsync<PendingStaffSignature>(Digest(key), http.RequestAborted);
        if (pending is null || pending.ExpiresAt < now) return (null, Refusals.Used);
        db.Insert(new UsedStaffSignature { Id = pending.Id, ExpiresAt = pending.ExpiresAt });
        db.Delete(pending);
        try
        {
            await db.SaveChangesAsync(http.RequestAborted);
        }
        catch (DocumentAlreadyExistsException)
        {
            return (null, Refusals.Used);
        }

        var signedIn = await http.AuthenticateAsync(DashboardSetup.CookieScheme);
        var user = signedIn.Principal;
        if (user is null || SessionDigest(http) != pending.SessionDigest
            || user.FindFirst(StaffRoles.SubjectClaim)?.Value != pending.Subject || user.FindFirst(StaffRoles.ClinicClaim)?.Value != pending.ClinicId)
        {
            return (null, Refusals.Session);
        }
        if (fresh?.FindFirst(StaffRoles.SubjectClaim)?.Value != pending.Subject) return (null, Refusals.Account);
        if (!long.TryParse(fresh.FindFirst(RecentSignIn.AuthTimeClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return (null, Refusals.Stale);
        }
        var authTime = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (authTime < pending.RequestedAt - AuthorityClockSkew || authTime > now + TimeSpan.FromMinutes(5)) return (null, Refusals.Stale);

        // The name is the session's (the one the form showed as "Signing as"), the account the authority just proved.
        var name = user.FindFirst(RecentSignIn.NameClaim)?.Value is { Length: > 0 } n ? n : pending.Subject;
        var signer = new StaffSigner(pending.Subject, name, AuthMethod, authTime);
        http.User = user;
        var write = new ConsentWrite(pending.ClinicId, pending.ConsentId, Actor.From(http), ConsentModel.SignedChange(pending.Act, pending.Confirmed, pending.Reason, signer))
        {
            ExpectedVersion = pending.Version,
        };
        var outcome = await writer.WriteAsync(write, http.RequestAborted);
        return outcome.Stored ? (ConsentModel.DoneWord(pending.Act), null) : (null, Refusals.Refused);
    }

    /// <summary>A digest of the server-side session the request's staff cookie refers to (stable across sliding renewals).</summary>
    private string? SessionDigest(HttpContext http)
    {
        var options = cookies.Get(DashboardSetup.CookieScheme);
        var cookie = options.CookieManager.GetRequestCookie(http, options.Cookie.Name!);
        if (string.IsNullOrEmpty(cookie)) return null;
        var sessionId = options.TicketDataFormat.Unprotect(cookie)?.Principal.FindFirst(SessionIdClaim)?.Value;
        return sessionId is null ? null : Digest("session|" + sessionId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A staff signature through the sign-in service was refused ({Refusal}) for consent {ConsentId}; nothing was stored")]
    private static partial void SignatureRefused(ILogger logger, string refusal, string? consentId);

    private static string Digest(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    /// <summary>
    /// The second OIDC scheme, beside the sign-in one: the same authority and client, a callback of its own, a fresh sign-in
    /// demanded every time, and the answer by query (a GET, so the Lax staff cookie comes along and binds it to the session).
    /// </summary>
    public static void AddTo(IServiceCollection services, AuthenticationBuilder auth)
    {
        services.ConfigureMarten(options =>
        {
            options.Schema.For<PendingStaffSignature>().SingleTenanted();
            options.Schema.For<UsedStaffSignature>().SingleTenanted();
        });
        services.AddScoped<OidcSignatures>();
        auth.AddOpenIdConnect(Scheme, o =>
        {
            o.SignInScheme = DashboardSetup.CookieScheme;
            o.CallbackPath = CallbackPath;
            o.ResponseType = OpenIdConnectResponseType.Code;
            o.ResponseMode = OpenIdConnectResponseMode.Query;
            o.UsePkce = true;
            o.MapInboundClaims = false;
            o.GetClaimsFromUserInfoEndpoint = false;
            o.SaveTokens = false;
            o.Prompt = OpenIdConnectPrompt.Login;
            o.MaxAge = TimeSpan.Zero;
            o.Events.OnTicketReceived = ctx => ctx.HttpContext.RequestServices.GetRequiredService<OidcSignatures>().CompleteAsync(ctx);
            o.Events.OnRemoteFailure = FailedAsync;
        });
        services.AddOptions<OpenIdConnectOptions>(Scheme).Configure<IOptions<AuthSettings>>((oidc, authSettings) =>
        {
            DashboardSetup.UseDashboardClient(oidc, authSettings.Value);
            oidc.TokenValidationParameters.NameClaimType = StaffRoles.SubjectClaim;
        });
    }
}
