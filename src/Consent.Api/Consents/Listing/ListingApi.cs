using Consent.Api.Auth;
using Consent.Api.Hosting;
using Consent.Api.Workflows;
using Marten;

namespace Consent.Api.Consents.Listing;

/// <summary>One page of the clinic's consents (their current step without its body).</summary>
public sealed record ConsentPage(IReadOnlyList<ConsentView> Items, int Total);

public static class ListingApi
{
    public static RouteGroupBuilder MapListing(this RouteGroupBuilder consents)
    {
        consents.MapGet("/", List).RequireAuthorization(Policies.CoordinatorOrClinician).WithSummary("The clinic's consents, filtered and paged.")
            .WithName("listConsents").Produces<ConsentPage>().ProducesProblems(400);
        return consents;
    }

    private static async Task<IResult> List(HttpContext http, IDocumentStore store, PublishedWorkflows workflows, TimeProvider clock,
        string? status, string? patientId, string? procedureCode, string? page, string? pageSize)
    {
        var filter = new ConsentFilter(status, patientId, procedureCode);
        if (filter.Problem() is { } problem) return Problems.Field(StatusCodes.Status400BadRequest, problem.Field, problem.Message);
        if (!QueryNumbers.Positive(page, 1, int.MaxValue, out var pageNumber)) return Problems.Field(StatusCodes.Status400BadRequest, "page", "page is a whole number from 1.");
        if (!QueryNumbers.Positive(pageSize, 20, 100, out var size)) return Problems.Field(StatusCodes.Status400BadRequest, "pageSize", "pageSize is a whole number from 1 to 100.");
        await using var session = store.LightweightSession(ConsentResults.Clinic(http));
        var (rows, total) = await ConsentListing.PageAsync(filter.Apply(session.Query<ConsentSummary>()), pageNumber, size, http.RequestAborted);
        var items = rows.Select(s => ConsentView.From(s.Record, workflows.Find(s.Record.ClinicId, s.WorkflowId, s.WorkflowVersion), withStepBody: false)).ToList();
        await ConsentListing.RecordAsync(http, session, "list", rows, clock);
        return Results.Ok(new { items, total });
    }
}
