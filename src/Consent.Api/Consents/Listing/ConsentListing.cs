using Consent.Api.Auditing;
using Consent.Workflows.Runtime;
using Marten;

namespace Consent.Api.Consents.Listing;

/// <summary>What a list of a clinic's consents is filtered by; the API list and the dashboard list share it.</summary>
public sealed record ConsentFilter(string? Status, string? PatientId, string? ProcedureCode)
{
    /// <summary>The first filter value that is not one, as (field, message), with the field names the caller uses.</summary>
    public (string Field, string Message)? Problem(string statusField = "status", string patientField = "patientId", string procedureField = "procedureCode") =>
        Status is not null && ConsentStatusNames.FromContract(Status) is null
            ? (statusField, "status is one of pending, in_progress, needs_discussion, awaiting_countersign, granted, declined, withdrawn, expired, superseded.")
        : PatientId is not null && ExternalIds.PatientIdProblem(PatientId) is { } patient ? (patientField, patient)
        : ProcedureCode is not null && ExternalIds.ProcedureCodeProblem(ProcedureCode) is { } procedure ? (procedureField, procedure)
        : null;

    public IQueryable<ConsentSummary> Apply(IQueryable<ConsentSummary> query)
    {
        if (Status is not null) query = query.Where(s => s.Status == Status);
        if (PatientId is not null) query = query.Where(s => s.PatientId == PatientId);
        if (ProcedureCode is not null) query = query.Where(s => s.ProcedureCode == ProcedureCode);
        return query;
    }
}

/// <summary>One page of a clinic's consents, newest change first, and the read recorded in the access log.</summary>
public static class ConsentListing
{
    public static async Task<(IReadOnlyList<ConsentSummary> Rows, int Total)> PageAsync(
        IQueryable<ConsentSummary> query, int page, int size, CancellationToken ct)
    {
        var total = await query.CountAsync(ct);
        // Skip is a long multiplication: a page number near int.MaxValue is an empty page, not an overflow.
        var skip = (long)(page - 1) * size;
        var rows = skip >= total ? [] : await query.OrderByDescending(s => s.UpdatedAt).Skip((int)skip).Take(size).ToListAsync(ct);
        return (rows, total);
    }

    /// <summary>How far a list for a person counts before it says "more than": see <see cref="PageForPeopleAsync"/>.</summary>
    public const int CountUpTo = 1000;

    /// <summary>
    /// A page for a person (the dashboard), whose count stops once it passes both <paramref name="countUpTo"/> and the end of
    /// the page asked for: <c>More</c> then says there are rows beyond <c>Total</c>. Counting a busy clinic's whole list
    /// on every page took 93-109 ms p99 at 100,000 consents (the growth suite); nobody pages through a thousand rows
    /// rather than filter them. The API's list keeps its exact total, which the contract names.
    /// </summary>
    public static async Task<(IReadOnlyList<ConsentSummary> Rows, int Total, bool More)> PageForPeopleAsync(
        IQueryable<ConsentSummary> query, int page, int size, CancellationToken ct, int countUpTo = CountUpTo)
    {
        var skip = (long)(page - 1) * size;
        var upTo = (int)Math.Min(int.MaxValue - 1, Math.Max(countUpTo, skip + size));
        var counted = (await query.Select(s => s.Id).Take(upTo + 1).ToListAsync(ct)).Count;
        var rows = skip >= counted ? [] : await query.OrderByDescending(s => s.UpdatedAt).Skip((int)skip).Take(size).ToListAsync(ct);
        return (rows, Math.Min(counted, upTo), counted > upTo);
    }

    /// <summary>The access log's entry for a list: which consents were shown, by id.</summary>
    public static Task RecordAsync(HttpContext http, IDocumentSession session, string what, IEnumerable<ConsentSummary> rows, TimeProvider clock) =>
        AccessLog.RecordAsync(http, session, "(list)", what + ": " + string.Join(",", rows.Select(r => r.Id)), clock);
}
