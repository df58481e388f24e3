using Consent.Api.Consents;
using Consent.Api.Consents.Storage;
using Consent.Api.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Consent.Api.Tests.Events;

/// <summary>
/// The relay reads a key's history for every gate-changing event with one prepared statement, so PostgreSQL soon runs
/// it with a generic plan, made without the values. That plan must find the events by consent (the stream index) and
/// never read the sequence index: with <c>seq_id &lt;= $3</c> in the statement, the generic plan the benchmark got at
/// 14,000 events intersected the stream index with a bitmap of every event stored below the one being published
/// (2.7 ms a call against 0.7 ms, and growing with the table). 350 consents of 40 events each, stored side by side as
/// tablets store them, fresh statistics, and the planner told to prefer bitmap scans, as its costs made it do there.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class RelayHistoryPlanTests(RelayHistoryPlanTests.Factory factory) : IClassFixture<RelayHistoryPlanTests.Factory>
{
    private const string Schema = "relay_plans";
    private const string Clinic = "clinic-relay-plans";

    public sealed class Factory() : ApiFactory(new Dictionary<string, string?>
    {
        ["Store:Schema"] = Schema, ["Relay:Enabled"] = "false", ["Integrity:VerifyRows"] = "false",
    }), IAsyncLifetime
    {
        public async Task InitializeAsync()
        {
            var store = Services.GetRequiredService<IDocumentStore>();
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await store.Advanced.Clean.CompletelyRemoveAllAsync();
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            var rows = Enumerable.Range(0, 350).Select(i => new ConsentSummary
            {
                Id = $"cns_relay_plan_{i}", PatientId = $"P-{i % 100}", ProcedureCode = "MSC", WorkflowId = "stem-cell-ms", WorkflowVersion = 1,
                Status = "in_progress", CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            }).ToList();
            await store.BulkInsertAsync(Clinic, rows);
            // Playing the database administrator: streams and events written directly, as a restore would.
            await using var connection = new NpgsqlConnection(TestInfrastructure.Postgres);
            await connection.OpenAsync();
            await using var load = new NpgsqlCommand(
                $"""
                 insert into {Schema}.mt_streams (tenant_id, id, type, version)
                   select '{Clinic}', 'cns_relay_plan_' || i, 'consent', 40 from generate_series(0, 349) i;
                 insert into {Schema}.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, headers)
                   select v * 1000 + i, gen_random_uuid(), 'cns_relay_plan_' || i, v,
                          jsonb_build_object('PatientId', 'P-' || (i % 100), 'ProcedureCode', 'MSC', 'Text', repeat(md5(i::text || v::text), 25)),
                          'step_answered', '{Clinic}', jsonb_build_object()
                     from generate_series(1, 40) v, generate_series(0, 349) i;
                 analyze {Schema}.mt_events; analyze {Schema}.mt_streams; analyze {Schema}.mt_doc_consentsummary;
                 """, connection);
            await load.ExecuteNonQueryAsync();
        }

        Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
    }

    [Fact]
    public async Task The_generic_plan_of_a_keys_history_reads_each_consents_events_by_its_stream_index()
    {
        var sql = factory.Services.GetRequiredService<MartenTables>().KeyHistorySql;
        await using var connection = new NpgsqlConnection(TestInfrastructure.Postgres);
        await connection.OpenAsync();
        await using (var prepare = new NpgsqlCommand(
            $"set enable_indexscan = off; set plan_cache_mode = force_generic_plan; prepare key_history(text, text) as {sql}", connection))
        {
            await prepare.ExecuteNonQueryAsync();
        }
        await using var explain = new NpgsqlCommand($"explain (analyze) execute key_history('{Clinic}', 'cns_relay_plan_250')", connection);
        var plan = await QueryPlans.ReadAsync(explain);

        plan.ShouldContain("Bitmap Index Scan on pk_mt_events_stream_and_version", customMessage: plan);
        plan.ShouldNotContain("pkey_mt_events_seq_id", customMessage: plan);
        plan.ShouldNotContain("Seq Scan on mt_events", customMessage: plan);
        // Patient P-50's three consents (50, 150 and 250), 40 events each.
        plan.ShouldContain("rows=120 loops=1", customMessage: plan);
    }
}
