using Npgsql;

namespace Consent.Api.Tests.Support;

/// <summary>
/// What an insider with database access does to Marten's tables, for the tests that must catch it: the one place
/// tests write SQL on <c>mt_events</c> (the service's own statements are in <c>MartenTables</c>; see docs/adr/0002).
/// </summary>
public static class StoredRows
{
    /// <summary>Sets one top-level field of a stored event's data, leaving its hashes as they were; returns the rows changed.</summary>
    public static Task<int> EditEventFieldAsync(string schema, string streamId, string field, string jsonValue, long? version = null, string? eventType = null) =>
        ExecuteAsync(
            $"update {schema}.mt_events set data = jsonb_set(data, array[$2], $3::jsonb) where stream_id = $1"
            + (version is null ? "" : " and version = $4") + (eventType is null ? "" : " and mt_dotnet_type like '%.' || $5 || ',%'"),
            streamId, field, jsonValue, version ?? 0, eventType ?? "");

    /// <summary>Deletes one stored event of a stream (its stream row still records the old version).</summary>
    public static Task<int> DeleteEventAsync(string schema, string streamId, long version) =>
        ExecuteAsync($"delete from {schema}.mt_events where stream_id = $1 and version = $2", streamId, version);

    private static async Task<int> ExecuteAsync(string sql, params object[] values)
    {
        await using var db = NpgsqlDataSource.Create(TestInfrastructure.Postgres);
        await using var command = db.CreateCommand(sql);
        foreach (var value in values) command.Parameters.AddWithValue(value);
        return await command.ExecuteNonQueryAsync();
    }
}
