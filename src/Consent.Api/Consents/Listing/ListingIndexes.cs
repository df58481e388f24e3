using System.Linq.Expressions;
using Marten;
using Marten.Schema.Indexing.Unique;

namespace Consent.Api.Consents.Listing;

/// <summary>
/// The indexes the clinic's lists, work queue and day chart read the projection rows through. Every such query names
/// one clinic (conjoined tenancy), filters by a status or a time and sorts by a time: a page of the newest, the oldest
/// waiting of one kind, today's count. Each index holds that status and time and then the clinic (Marten puts the
/// tenant column last), so a query reads the index in time order and checks the clinic there, stopping at its page or
/// at the start of its day, instead of reading and sorting all of the clinic's rows (at 3,000 consents every list and
/// count was a sequential scan, growing with the table). The search by part of a name or id (ILIKE) still reads the
/// clinic's rows: a trigram index needs an extension the schema owner may not be allowed to create.
/// </summary>
public static class ListingIndexes
{
    public static IServiceCollection AddListingIndexes(this IServiceCollection services)
    {
        services.ConfigureMarten(options =>
        {
            var rows = options.Schema.For<ConsentSummary>();
            // list_updated is the index Marten makes for the duplicated UpdatedAt column (ConsentStore, NewestFirst).
            PerClinic(rows, "list_status_updated", s => s.Status, s => s.UpdatedAt);
            PerClinic(rows, "list_created", s => s.CreatedAt);
            PerClinic(rows, "list_granted", s => s.Record.Runtime.GrantedAt!);
            PerClinic(rows, "list_scheduled", s => s.Record.ScheduledFor!);
            // The list filtered by procedure, newest first: without it a code that matches few rows walked the clinic's
            // newest-first index to its end (1.4 s p99 at 100,000 consents).
            PerClinic(rows, "list_procedure_updated", s => s.ProcedureCode, s => s.UpdatedAt);
            // The work queue's "not the right patient at the tablet" asks for the rare rows whose identity was rejected,
            // oldest first: without an index of its own PostgreSQL walked every row of the clinic in time order and opened
            // each one's document to look (2.7 s per dashboard page at 100,000 consents). The predicate is written as
            // PostgreSQL prints it back, so the schema check finds no difference.
            PerClinic(rows, "list_identity_rejected", [s => s.UpdatedAt], "((data -> 'Record'::text) ->> 'IdentityRejectedAt'::text) IS NOT NULL");
        });
        return services;
    }

    /// <summary>The clinic's consents by last change: the index of the duplicated <c>UpdatedAt</c> column, made per clinic.</summary>
    public static void NewestFirst(Marten.Schema.DocumentIndex index)
    {
        index.Name = IndexName("list_updated");
        index.TenancyScope = TenancyScope.PerTenant;
    }

    /// <summary>Index names the test of the lists' query plans looks for.</summary>
    public static readonly IReadOnlyList<string> Names =
        ["list_updated", "list_status_updated", "list_created", "list_granted", "list_scheduled", "list_identity_rejected", "list_procedure_updated"];

    public static string IndexName(string name) => "mt_doc_consentsummary_" + name;

    private static void PerClinic(MartenRegistry.DocumentMappingExpression<ConsentSummary> rows, string name, params Expression<Func<ConsentSummary, object>>[] members) =>
        PerClinic(rows, name, members, predicate: null);

    private static void PerClinic(MartenRegistry.DocumentMappingExpression<ConsentSummary> rows, string name, Expression<Func<ConsentSummary, object>>[] members, string? predicate) =>
        rows.Index(members, index =>
        {
            index.Name = IndexName(name);
            index.TenancyScope = TenancyScope.PerTenant;
            if (predicate is not null) index.Predicate = predicate;
        });
}
