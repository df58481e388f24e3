using Consent.Api.Auditing;
using Consent.Api.Auth;
using Consent.Api.Hosting;
using Consent.Api.Workflows;
using Marten;

namespace Consent.Api.Consents.Reading;

/// <summary>One consent as the contract's ConsentView, to staff of its clinic and to its own tablet.</summary>
public static class ReadingApi
{
    public static RouteGroupBuilder MapReading(this RouteGroupBuilder consents)
    {
        consents.MapGet("/{id}", Get).RequireAuthorization(Policies.StaffOrTablet).WithSummary("One consent; ETag is its version.")
            .WithName("getConsent").Produces<ConsentView>().ProducesHeaders(StatusCodes.Status200OK, ApiHeaders.ETag, ApiHeaders.TabletDevice).AcceptsHeaders(ApiHeaders.TabletDevice).ProducesProblems(404);
        return consents;
    }

    private static async Task<IResult> Get(HttpContext http, string id, IDocumentStore store, PublishedWorkflows workflows, TimeProvider clock)
    {
        await using var session = store.LightweightSession(ConsentResults.Clinic(http));
        var summary = await session.LoadAsync<ConsentSummary>(id, http.RequestAborted);
        if (ConsentResults.OutOfScope(http, id, summary?.Record) is { } refusal) return refusal;
        await AccessLog.RecordAsync(http, session, id, "consent", clock);
        http.Response.Headers.ETag = $"\"{summary!.Record.Version}\"";
        var view = ConsentView.From(summary.Record, workflows.Find(summary.Record.ClinicId, summary.WorkflowId, summary.WorkflowVersion));
        return Results.Ok(SeesPatient(http) ? view.WithPatient(summary.Record) : view);
    }

    /// <summary>
    /// Whom the consent is for (name, date of birth) is for the people who hand the tablet over and talk to the
    /// patient. A tablet shows it on its own "Is this you?" page and need not carry it; systems match patients by id
    /// (and integration callers cannot read this endpoint at all).
    /// </summary>
    private static bool SeesPatient(HttpContext http) =>
        http.User.IsInRole(StaffRoles.Coordinator) || http.User.IsInRole(StaffRoles.Clinician) || http.User.IsInRole(StaffRoles.Admin);
}
