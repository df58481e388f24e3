using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Consent.Api.Auth;
using Consent.Api.Hosting;

namespace Consent.Api.Dashboard;

/// <summary>A signed-in staff member's session, kept by the service: the cookie holds only a reference to it.</summary>
public sealed class StaffSession
{
    /// <summary>A digest of the session's key, never the key itself: the table alone opens no session.</summary>
    public string Id { get; set; } = "";

    /// <summary>The authentication ticket, protected (encrypted and authenticated) so that a row edited in the database is refused.</summary>
    public byte[] Ticket { get; set; } = [];

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Whose session it is (the account's <c>sub</c>) and in which clinic: what an administrator revokes by.</summary>
    public string Subject { get; set; } = "";

    public string ClinicId { get; set; } = "";
}

/// <summary>
/// Server-side staff sessions. Signing out ends the session on the server, so a copy of the cookie (a shared
/// workstation, a stolen browser profile) stops working at once instead of at the cookie's expiry; every instance
/// shares them through PostgreSQL.
/// </summary>
public sealed class StaffSessions(IDocumentStore store, IDataProtectionProvider protection, TimeProvider clock) : ITicketStore
{
    private readonly IDataProtector _protector = protection.CreateProtector("consent staff sessions");

    private static string Digest(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        await using var session = store.LightweightSession();
        // Sign-ins are rare next to requests: the moment to drop sessions that ended by themselves.
        session.DeleteWhere<StaffSession>(s => s.ExpiresAt < clock.GetUtcNow());
        session.Store(Row(key, ticket));
        await session.SaveChangesAsync();
        return key;
    }

    public async Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        await using var session = store.LightweightSession();
        // Only a session that still exists is renewed: a sliding renewal racing a sign-out must not bring it back.
        if (await session.LoadAsync<StaffSession>(Digest(key)) is null) return;
        session.Store(Row(key, ticket));
        await session.SaveChangesAsync();
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        await using var session = store.QuerySession();
        var row = await session.LoadAsync<StaffSession>(Digest(key));
        if (row is null || row.ExpiresAt < clock.GetUtcNow()) return null;
        try
        {
            return TicketSerializer.Default.Deserialize(_protector.Unprotect(row.Ticket));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public async Task RemoveAsync(string key)
    {
        await using var session = store.LightweightSession();
        session.Delete<StaffSession>(Digest(key));
        await session.SaveChangesAsync();
    }

    private StaffSession Row(string key, AuthenticationTicket ticket) => new()
    {
        Id = Digest(key),
        Ticket = _protector.Protect(TicketSerializer.Default.Serialize(ticket)),
        ExpiresAt = ticket.Properties.ExpiresUtc ?? clock.GetUtcNow().AddHours(12),
        Subject = ticket.Principal.FindFirst(StaffRoles.SubjectClaim)?.Value ?? "",
        ClinicId = ticket.Principal.FindFirst(StaffRoles.ClinicClaim)?.Value ?? "",
    };

    /// <summary>Ends every session of one account of <paramref name="clinic"/> at once (a lost laptop, a leaver).</summary>
    public async Task<int> RevokeAsync(string clinic, string subject, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var count = await session.Query<StaffSession>().CountAsync(s => s.ClinicId == clinic && s.Subject == subject, ct);
        session.DeleteWhere<StaffSession>(s => s.ClinicId == clinic && s.Subject == subject);
        await session.SaveChangesAsync(ct);
        return count;
    }

    /// <summary>
    /// <c>DELETE /api/staff/sessions/{subject}</c> (admin of the clinic): ends that account's dashboard sessions at once;
    /// its next request meets the sign-in page. Another clinic's account is never touched.
    /// </summary>
    public static void MapApi(IEndpointRouteBuilder app)
    {
        app.MapDelete("/api/staff/sessions/{subject}", async (string subject, HttpContext http, StaffSessions sessions, IDocumentStore store, TimeProvider clock) =>
            {
                if (subject.Length is 0 or > 200 || subject.Any(char.IsControl))
                {
                    return Problems.Field(StatusCodes.Status422UnprocessableEntity, "subject", "A staff account's subject is 1 to 200 characters without control characters.");
                }
                var clinic = http.User.FindFirst(StaffRoles.ClinicClaim)!.Value;
                var revoked = await sessions.RevokeAsync(clinic, subject, http.RequestAborted);
                await Auditing.AccessLog.RecordAsync(http, store, clinic, "(staff sessions)", "revoke-staff-sessions", clock);
                return Results.Ok(new StaffSessionsRevoked(revoked));
            })
            .RequireAuthorization(Policies.Admin)
            .WithName("revokeStaffSessions")
            .WithTags("Staff")
            .WithSummary("Ends every dashboard session of one staff account of the caller's clinic at once (admin).")
            .Produces<StaffSessionsRevoked>()
            .ProducesProblems(422);
    }

    /// <summary>Registers the store for the staff cookie.</summary>
    public static void AddTo(IServiceCollection services)
    {
        services.ConfigureMarten(options => options.Schema.For<StaffSession>().SingleTenanted());
        services.AddSingleton<StaffSessions>();
        services.AddOptions<CookieAuthenticationOptions>(DashboardSetup.CookieScheme).Configure<StaffSessions>((cookie, sessions) => cookie.SessionStore = sessions);
    }
}

/// <summary>How many sessions a revocation ended.</summary>
public sealed record StaffSessionsRevoked(int Revoked);
