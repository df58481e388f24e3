using System.Security.Cryptography;
using Consent.Api.Consents;
using Consent.Api.Consents.Storage;
using Consent.Api.Tests.Support;
using Consent.Workflows.Runtime;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Consent.Api.Tests.Consents;

/// <summary>
/// A consent's projection row is kept whole in the table, as written: not compressed and not moved to the TOAST table,
/// though it is past PostgreSQL's 2 kB threshold. Every list filter, sort key and count reads fields of it, and every
/// step rewrites it. Its status and last change are also plain columns, filled on an existing table too.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class ProjectionStorageTests(ProjectionStorageTests.Factory factory) : IClassFixture<ProjectionStorageTests.Factory>
{
    public sealed class Factory() : ApiFactory(new Dictionary<string, string?> { ["Store:Schema"] = Schema });

    private const string Schema = "projection_storage";

    [Fact]
    public async Task A_finished_consents_row_is_stored_whole_in_the_table()
    {
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        await store.Advanced.Clean.DeleteAllDocumentsAsync();
        // As big as a finished stem-cell consent's row and as hard to compress (step ids, hashes): over 2 kB after pglz.
        var steps = Enumerable.Range(0, 50).Select(i => $"step-{i}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}").ToArray();
        var state = ConsentState.None with { Completed = [.. steps], WorkflowId = "stem-cell-ms", WorkflowVersion = 1 };
        var summary = new ConsentSummary
        {
            Id = "cns_projection_storage", PatientId = "P-STORAGE", ProcedureCode = "MSC", Status = "granted",
            Record = ConsentRecord.None with { Id = "cns_projection_storage", Runtime = state, LastHash = "sha256:" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) },
        };
        await using (var session = store.LightweightSession("clinic-storage"))
        {
            session.Store(summary);
            await session.SaveChangesAsync();
        }

        await using var connection = new NpgsqlConnection(TestInfrastructure.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"""
             select octet_length(d.data::text), pg_column_size(d.data), pg_column_compression(d.data),
                    (select pg_relation_size(c.reltoastrelid) from pg_class c where c.oid = '{Schema}.mt_doc_consentsummary'::regclass)
               from {Schema}.mt_doc_consentsummary d where d.id = $1
             """, connection) { Parameters = { new() { Value = summary.Id } } };
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetInt32(0).ShouldBeGreaterThan(3000, "the row this test stores is as big as a finished consent's");
        reader.IsDBNull(2).ShouldBeTrue("stored as written, not compressed");
        reader.GetInt32(1).ShouldBeGreaterThan(3000);
        reader.GetInt64(3).ShouldBe(0, "nothing of it in the TOAST table");
    }

    [Fact]
    public async Task A_database_made_before_the_target_is_given_it_by_the_schema_update()
    {
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var connection = new NpgsqlConnection(TestInfrastructure.Postgres);
        await connection.OpenAsync();
        await using (var reset = new NpgsqlCommand($"alter table {Schema}.mt_doc_consentsummary reset (toast_tuple_target)", connection))
        {
            await reset.ExecuteNonQueryAsync();
        }
        (await OptionsAsync(connection)).ShouldBeNull();

        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();

        (await OptionsAsync(connection)).ShouldBe($"toast_tuple_target={ConsentStore.ProjectionToastTarget}");
    }

    [Fact]
    public async Task A_table_made_before_the_status_and_time_columns_gets_them_filled_from_its_documents()
    {
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        await store.Advanced.Clean.DeleteAllDocumentsAsync();
        var updated = new DateTimeOffset(2026, 11, 30, 9, 15, 0, TimeSpan.Zero);
        await using (var session = store.LightweightSession("clinic-storage"))
        {
            session.Store(new ConsentSummary { Id = "cns_before_columns", PatientId = "P-OLD", Status = "expired", UpdatedAt = updated });
            await session.SaveChangesAsync();
        }
        await using var connection = new NpgsqlConnection(TestInfrastructure.Postgres);
        await connection.OpenAsync();
        await using (var drop = new NpgsqlCommand($"alter table {Schema}.mt_doc_consentsummary drop column status, drop column updated_at", connection))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();

        await using var read = new NpgsqlCommand($"select status, updated_at from {Schema}.mt_doc_consentsummary where id = 'cns_before_columns'", connection);
        await using var reader = await read.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetString(0).ShouldBe("expired");
        reader.GetFieldValue<DateTimeOffset>(1).ShouldBe(updated);
        await reader.CloseAsync();
        await using var query = store.QuerySession("clinic-storage");
        (await query.Query<ConsentSummary>().Where(s => s.Status == "expired" && s.UpdatedAt == updated).Select(s => s.Id).ToListAsync()).ShouldBe(["cns_before_columns"]);
    }

    private static async Task<string?> OptionsAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand($"select array_to_string(reloptions, ',') from pg_class where oid = '{Schema}.mt_doc_consentsummary'::regclass", connection);
        return await command.ExecuteScalarAsync() as string;
    }
}
