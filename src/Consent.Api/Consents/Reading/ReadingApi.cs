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
        return Results.Ok(ConsentView.From(summary.Record, workflows.Find(summary.Record.ClinicId, summary.WorkflowId, summary.WorkflowVersion)));
    }
}
