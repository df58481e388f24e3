using Npgsql;

namespace Consent.Api.Tests.Support;

/// <summary>
/// What an insider with database access does to Marten's tables, for the tests that must catch it: the one place
/// tests write SQL on <c>mt_events</c> (the service's own statements are in <c>MartenTables</c>; see docs/adr/0002).
/// </summary>
public static class StoredRows
{
    /// <summary>Sets one top-level field of a stored event's data, leaving its hashes as they were; returns the rows changed.</summary>
    public static Task<int> EditEventFieldAsync(string schema, string streamId, string field, string jsonValue, long? version = null, string? eventType = null, string? database = null) =>
        ExecuteOnAsync(database,
            $"update {schema}.mt_events set data = jsonb_set(data, array[$2], $3::jsonb) where stream_id = $1"
            + (version is null ? "" : " and version = $4") + (eventType is null ? "" : " and mt_dotnet_type like '%.' || $5 || ',%'"),
            streamId, field, jsonValue, version ?? 0, eventType ?? "");

    /// <summary>Deletes one stored event of a stream (its stream row still records the old version).</summary>
    public static Task<int> DeleteEventAsync(string schema, string streamId, long version) =>
        ExecuteAsync($"delete from {schema}.mt_events where stream_id = $1 and version = $2", streamId, version);

    /// <summary>Sets a value inside a document row's JSON (e.g. the consent list's projection row), as a database writer would.</summary>
    public static Task<int> EditDocumentAsync(string schema, string document, string id, string[] path, string jsonValue, string? database = null) =>
        ExecuteOnAsync(database,$"update {schema}.mt_doc_{document} set data = jsonb_set(data, $2, $3::jsonb) where id = $1", id, path, jsonValue);

    /// <summary>Deletes a document row (e.g. a consent's projection row, so that the lists no longer show it), as a database writer would.</summary>
    public static Task<int> DeleteDocumentAsync(string schema, string document, string id) =>
        ExecuteAsync($"delete from {schema}.mt_doc_{document} where id = $1", id);

    /// <summary>
    /// Recomputes a stream's hash chain over its rows as they are now (after an edit), the way anyone who reads the
    /// service's source can: every prevHash and hash made to follow again. Only a key outside the database can tell.
    /// </summary>
    public static async Task RecomputeChainAsync(string schema, string streamId, string? database = null)
    {
        await using var db = NpgsqlDataSource.Create(database ?? TestInfrastructure.Postgres);
        var rows = new List<(long Version, string Type, string Data, Dictionary<string, string> Headers)>();
        await using (var read = db.CreateCommand($"select version, type, data::text, headers::text from {schema}.mt_events where stream_id = $1 order by version"))
        {
            read.Parameters.AddWithValue(streamId);
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                    System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(3))!));
            }
        }
        var prev = Consent.Api.Consents.Integrity.EventChain.Genesis;
        foreach (var (version, type, data, headers) in rows)
        {
            var metadata = headers.Where(h => h.Key is not ("hash" or "prevHash" or "headSignature")).ToDictionary(h => h.Key, h => h.Value);
            var hash = Consent.Api.Consents.Integrity.EventChain.Hash(prev, version, type, data, metadata);
            await using var write = db.CreateCommand(
                $"update {schema}.mt_events set headers = headers || jsonb_build_object('prevHash', $3::text, 'hash', $4::text) where stream_id = $1 and version = $2");
            write.Parameters.AddWithValue(streamId);
            write.Parameters.AddWithValue(version);
            write.Parameters.AddWithValue(prev);
            write.Parameters.AddWithValue(hash);
            await write.ExecuteNonQueryAsync();
            prev = hash;
        }
        await using var row = db.CreateCommand($"update {schema}.mt_doc_consentsummary set data = jsonb_set(data, '{{Record,LastHash}}', to_jsonb($2::text)) where id = $1");
        row.Parameters.AddWithValue(streamId);
        row.Parameters.AddWithValue(prev);
        await row.ExecuteNonQueryAsync();
    }

    /// <summary>A document row's JSON as stored (to put it back later).</summary>
    public static async Task<string> ReadDocumentAsync(string schema, string document, string id, string? database = null)
    {
        await using var db = NpgsqlDataSource.Create(database ?? TestInfrastructure.Postgres);
        await using var command = db.CreateCommand($"select data::text from {schema}.mt_doc_{document} where id = $1");
        command.Parameters.AddWithValue(id);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Every row of a document table, as stored (what a database reader or a backup sees).</summary>
    public static async Task<IReadOnlyList<string>> ReadAllDocumentsAsync(string schema, string document)
    {
        await using var db = NpgsqlDataSource.Create(TestInfrastructure.Postgres);
        await using var command = db.CreateCommand($"select data::text from {schema}.mt_doc_{document}");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }

    /// <summary>
    /// Erases a stream's newest events: deletes every event after <paramref name="version"/>, lowers the stream's
    /// recorded version and puts back the consent's row as it was then (<paramref name="rowAtVersion"/>).
    /// </summary>
    public static async Task TruncateStreamAsync(string schema, string streamId, long version, string rowAtVersion, string? database = null)
    {
        (await ExecuteOnAsync(database, $"delete from {schema}.mt_events where stream_id = $1 and version > $2", streamId, version)).ShouldBeGreaterThan(0);
        (await ExecuteOnAsync(database, $"update {schema}.mt_streams set version = $2 where id = $1", streamId, version)).ShouldBe(1);
        (await ExecuteOnAsync(database, $"update {schema}.mt_doc_consentsummary set data = $2::jsonb where id = $1", streamId, rowAtVersion)).ShouldBe(1);
    }

    /// <summary>What the clinics have stored, in one line: events, the sum of stream versions, gate confirmations; equal before and after means nothing was stored.</summary>
    public static async Task<string> FingerprintAsync(string schema, string[] clinics)
    {
        await using var db = NpgsqlDataSource.Create(TestInfrastructure.Postgres);
        await using var command = db.CreateCommand(
            $"select (select count(*) from {schema}.mt_events where tenant_id = any($1))::text || '/' || " +
            $"(select coalesce(sum(version), 0) from {schema}.mt_streams where tenant_id = any($1))::text || '/' || " +
            $"(select count(*) from {schema}.gate_acks where clinic = any($1))::text");
        command.Parameters.AddWithValue(clinics);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// How many rows of a table (Marten's <c>mt_events</c>, <c>mt_streams</c>, a document table, or one of the service's)
    /// belong to a clinic in one database (<paramref name="database"/>: a connection string; the test database when null).
    /// <paramref name="clinicColumn"/> is <c>tenant_id</c> on Marten's tables, <c>clinic</c> on the service's own.
    /// </summary>
    public static async Task<long> CountAsync(string schema, string table, string clinic, string? database = null, string clinicColumn = "tenant_id")
    {
        await using var db = NpgsqlDataSource.Create(database ?? TestInfrastructure.Postgres);
        await using var command = db.CreateCommand($"select count(*) from {schema}.{table} where {clinicColumn} = $1");
        command.Parameters.AddWithValue(clinic);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A relay consumer's stored position in one database (0 when it has none yet).</summary>
    public static async Task<long> RelayPositionAsync(string schema, string? database = null, string consumer = "rabbitmq")
    {
        await using var db = NpgsqlDataSource.Create(database ?? TestInfrastructure.Postgres);
        await using var command = db.CreateCommand($"select coalesce(max(position), 0) from {schema}.relay_positions where consumer = $1");
        command.Parameters.AddWithValue(consumer);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static Task<int> ExecuteAsync(string sql, params object[] values) => ExecuteOnAsync(null, sql, values);

    private static async Task<int> ExecuteOnAsync(string? database, string sql, params object[] values)
    {
        await using var db = NpgsqlDataSource.Create(database ?? TestInfrastructure.Postgres);
        await using var command = db.CreateCommand(sql);
        foreach (var value in values) command.Parameters.AddWithValue(value);
        return await command.ExecuteNonQueryAsync();
    }
}
