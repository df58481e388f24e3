using Consent.Api.Consents;
using Consent.Api.Consents.Listing;
using Consent.Api.Dashboard;
using Consent.Api.Tests.Support;
using Consent.Workflows.Runtime;
using Marten;
using Marten.Linq;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Consent.Api.Tests.Consents;

/// <summary>
/// The clinic's lists, work queue and day chart stay fast as a clinic grows only if PostgreSQL answers them from an
/// index. With 4,000 rows in one clinic (a quarter of a year, beside two other clinics) and fresh statistics, each
/// query shape the pages send (built with the filters they use) is explained, and the planner's own choice must read
/// one of the listing indexes, with no sequential scan: without them each plan scans the table (or the whole clinic
/// through the primary key) and sorts it.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class ListingPlansTests(ListingPlansTests.Factory factory) : IClassFixture<ListingPlansTests.Factory>
{
    public sealed class Factory() : ApiFactory(new Dictionary<string, string?> { ["Store:Schema"] = "listing_plans" }), IAsyncLifetime
    {
        public const string Clinic = "clinic-plans";

        public async Task InitializeAsync()
        {
            var store = Services.GetRequiredService<IDocumentStore>();
            await store.Advanced.Clean.DeleteAllDocumentsAsync();
            var statuses = Enum.GetValues<ConsentStatus>().Select(s => s.ToContract()).ToArray();
            var start = DateTimeOffset.UtcNow.AddDays(-90);
            foreach (var clinic in new[] { Clinic, "clinic-plans-b", "clinic-plans-c" })
            {
                var count = clinic == Clinic ? 4000 : 1500;
                var random = new Random(clinic.Length);
                var rows = Enumerable.Range(0, count).Select(i =>
                {
                    var created = start.AddMinutes(i * 90 * 24 * 60.0 / count);
                    return new ConsentSummary
                    {
                        Id = $"cns_plan_{clinic}_{i}", PatientId = $"P-{i}", ProcedureCode = i % 50 == 0 ? "MSC-LP" : "MSC-IV", WorkflowId = "stem-cell-ms", WorkflowVersion = 1,
                        Status = statuses[random.Next(statuses.Length)], CreatedAt = created, UpdatedAt = created.AddMinutes(random.Next(1, 600)),
                        // One in 400 had the wrong patient at the tablet, about one a clinic's day.
                        Record = ConsentRecord.None with { ScheduledFor = created.AddDays(random.Next(1, 30)), IdentityRejectedAt = i % 400 == 0 ? created : null },
                    };
                }).ToList();
                await store.BulkInsertAsync(clinic, rows);
            }
            await using var connection = new NpgsqlConnection(TestInfrastructure.Postgres);
            await connection.OpenAsync();
            // As autovacuum leaves a table whose rows stopped changing: statistics, and its pages marked all-visible.
            await using var analyze = new NpgsqlCommand("vacuum (analyze) listing_plans.mt_doc_consentsummary", connection);
            await analyze.ExecuteNonQueryAsync();
        }

        Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
    }

    public static TheoryData<string> Shapes =>
    [
        "list: newest first", "list: one status, newest first", "list: started on a day", "queue: questions, oldest first",
        "queue: stalled, oldest first", "queue: withdrawn this week", "queue: booked soon", "day: started count",
        "day: granted count", "day: declined count", "day: stalled count",
    ];

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Each_list_and_count_a_page_sends_reads_a_clinic_first_index(string shape)
    {
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        await using var scope = factory.Services.CreateAsyncScope();
        var worklist = scope.ServiceProvider.GetRequiredService<Worklist>();
        await using var session = store.QuerySession(Factory.Clinic);
        var command = Query(shape, session.Query<ConsentSummary>(), worklist, DateTimeOffset.UtcNow);

        await ShouldReadAsync(command, ListingIndexes.IndexName("list_"));
    }

    /// <summary>
    /// The wrong-patient queue's filter matches few rows and has no order of its own: the planner took the newest-first
    /// index and opened every row of the clinic to test it (no sequential scan, so the test above could not see it).
    /// </summary>
    [Fact]
    public async Task The_wrong_patient_queue_reads_only_the_rows_whose_identity_was_rejected()
    {
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession(Factory.Clinic);
        var command = session.Query<ConsentSummary>().Where(Worklist.WrongPatient()).OrderBy(s => s.UpdatedAt).Take(100).ToCommand(FetchType.FetchMany);

        await ShouldReadAsync(command, ListingIndexes.IndexName("list_identity_rejected"));
    }

    /// <summary>
    /// The list filtered by a procedure few consents have, newest first (and its count): the newest-first index alone
    /// would be walked to the clinic's end looking for them (no sequential scan either, so the theory above cannot see it).
    /// </summary>
    [Fact]
    public async Task The_list_of_a_rare_procedure_reads_the_procedure_index()
    {
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession(Factory.Clinic);
        var rare = new ConsentFilter(null, null, "MSC-LP").Apply(session.Query<ConsentSummary>());

        foreach (var command in new[] { rare.OrderByDescending(s => s.UpdatedAt).Take(20).ToCommand(FetchType.FetchMany), rare.ToCommand(FetchType.Count) })
        {
            await ShouldReadAsync(command, ListingIndexes.IndexName("list_procedure_updated"));
        }
    }

    /// <summary>
    /// The API's list counts every consent of its filter (the contract's <c>total</c>): half a busy clinic for "granted".
    /// With the status a plain column, PostgreSQL counts it from an index alone, reading no row; over the document's
    /// field it read every matching row (20 ms at 100,000 consents with the rows in TOAST, 133 ms with them whole).
    /// </summary>
    [Fact]
    public async Task Counting_a_status_reads_only_an_index()
    {
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession(Factory.Clinic);
        var granted = new ConsentFilter(ConsentStatus.Granted.ToContract(), null, null).Apply(session.Query<ConsentSummary>());

        var plan = await ExplainAsync(granted.ToCommand(FetchType.Count));

        plan.ShouldContain("Index Only Scan", customMessage: plan);
    }

    /// <summary>PostgreSQL's plan for <paramref name="command"/> reads <paramref name="index"/> (a name or its prefix), with no sequential scan.</summary>
    private static async Task ShouldReadAsync(NpgsqlCommand command, string index)
    {
        var plan = await ExplainAsync(command);
        plan.ShouldContain(index, customMessage: plan);
        plan.ShouldNotContain("Seq Scan", customMessage: plan);
    }

    /// <summary>Marten's command for one shape, built with the filters the pages use.</summary>
    private static NpgsqlCommand Query(string shape, IQueryable<ConsentSummary> rows, Worklist worklist, DateTimeOffset now)
    {
        var day = now.Date;
        return shape switch
        {
            "list: newest first" => rows.OrderByDescending(s => s.UpdatedAt).Skip(20).Take(20).ToCommand(FetchType.FetchMany),
            "list: one status, newest first" => new ConsentFilter(ConsentStatus.Granted.ToContract(), null, null).Apply(rows)
                .OrderByDescending(s => s.UpdatedAt).Take(20).ToCommand(FetchType.FetchMany),
            "list: started on a day" => rows.Where(s => s.CreatedAt >= day && s.CreatedAt < day.AddDays(1)).OrderByDescending(s => s.UpdatedAt).Take(20)
                .ToCommand(FetchType.FetchMany),
            "queue: questions, oldest first" => rows.Where(s => s.Status == ConsentStatus.NeedsDiscussion.ToContract()).OrderBy(s => s.UpdatedAt).Take(100)
                .ToCommand(FetchType.FetchMany),
            "queue: stalled, oldest first" => rows.Where(worklist.Stalled(now)).OrderBy(s => s.UpdatedAt).Take(100).ToCommand(FetchType.FetchMany),
            "queue: withdrawn this week" => rows.Where(Worklist.RecentlyWithdrawn(now)).OrderBy(s => s.UpdatedAt).Take(100).ToCommand(FetchType.FetchMany),
            "queue: booked soon" => rows.Where(worklist.BookedSoon(now)).OrderBy(s => s.Record.ScheduledFor).Take(100).ToCommand(FetchType.FetchMany),
            "day: started count" => rows.Where(s => s.CreatedAt >= day).ToCommand(FetchType.Count),
            "day: granted count" => rows.Where(s => s.Record.Runtime.GrantedAt >= day).ToCommand(FetchType.Count),
            "day: declined count" => rows.Where(s => s.Status == ConsentStatus.Declined.ToContract() && s.UpdatedAt >= day).ToCommand(FetchType.Count),
            "day: stalled count" => rows.Where(worklist.Stalled(now)).ToCommand(FetchType.Count),
            _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "no such shape"),
        };
    }

    /// <summary>The plan PostgreSQL chooses for Marten's command.</summary>
    private static async Task<string> ExplainAsync(NpgsqlCommand command)
    {
        await using var connection = new NpgsqlConnection(TestInfrastructure.Postgres);
        await connection.OpenAsync();
        await using var explain = new NpgsqlCommand("explain " + command.CommandText.TrimEnd(';', ' '), connection);
        foreach (NpgsqlParameter parameter in command.Parameters) explain.Parameters.Add(parameter.Clone());
        return await QueryPlans.ReadAsync(explain);
    }
}
