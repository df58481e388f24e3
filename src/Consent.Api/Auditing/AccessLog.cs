using Consent.Api.Auth;
using Marten;

namespace Consent.Api.Auditing;

/// <summary>Every read of consent data by staff or systems is recorded: who, when, what (HIPAA access audit). A tablet reading its own consent is not.</summary>
public static class AccessLog
{
    public static IServiceCollection AddAuditing(this IServiceCollection services) =>
        services.ConfigureMarten(options => options.Schema.For<AccessRecord>().Index(a => a.ConsentId));

    public static async Task RecordAsync(HttpContext http, IDocumentSession session, string consentId, string what, TimeProvider clock)
    {
        if (http.User.IsInRole(StaffRoles.Tablet)) return;
        var actor = Actor.From(http);
        session.Store(new AccessRecord { Id = Guid.NewGuid(), ConsentId = consentId, Actor = actor.Subject, Role = actor.Role, What = what, At = clock.GetUtcNow() });
        await session.SaveChangesAsync(http.RequestAborted);
    }

    /// <summary>The same, in a session of its own.</summary>
    public static async Task RecordAsync(HttpContext http, IDocumentStore store, string clinic, string consentId, string what, TimeProvider clock)
    {
        if (http.User.IsInRole(StaffRoles.Tablet)) return;
        await using var session = store.LightweightSession(clinic);
        await RecordAsync(http, session, consentId, what, clock);
    }
}
