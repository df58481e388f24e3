using System.Text;
using System.Text.Json.Nodes;
using Marten;
using Npgsql;

namespace Consent.Api.Gate;

/// <summary>
/// One page of a clinic's gate changes after a sequence; <c>Next</c> is the <c>since</c> of the next page. Each item is
/// the message as it was signed, plus its <c>signature</c> (documented as <see cref="Hosting.GateChangesPage"/>).
/// </summary>
public sealed record GateChangeFeed(IReadOnlyList<JsonObject> Items, long Next);

/// <summary>One gate change as the relay sends it: its sequence, clinic, message id, the message's JSON exactly as signed, and the signature.</summary>
public sealed record GateChangeRecord(long Sequence, string ClinicId, Guid MessageId, string Message, string Signature);

/// <summary>
/// The ledger of every gate change the relay sent, kept so that a subscriber that was away longer than its queue kept
/// messages can rebuild its state in order (<c>GET /api/gate/changes</c>) and get exactly what a live subscriber got.
/// Written before the message goes to the broker (a crash in between re-sends the same change, recorded once). Kept in
/// the database of the clinic's events, whose relay sends them: sequences are that database's.
/// </summary>
public sealed class GateChanges(IDocumentStore store, Consents.Storage.ClinicDatabases databases)
{
    public const int MaxPage = 1000;

    private string Table => $"{store.Options.DatabaseSchemaName}.{GateTables.GateChanges}";

    /// <summary>Records <paramref name="changes"/> (all of clinics in <paramref name="database"/>) in one statement.</summary>
    public async Task RecordAsync(Consents.Storage.ClinicDatabase database, IReadOnlyList<GateChangeRecord> changes, CancellationToken ct)
    {
        if (changes.Count == 0) return;
        await using var command = database.Store.CreateCommand(
            $"""
             insert into {Table} (sequence, clinic, message_id, message, signature)
             select * from unnest($1::bigint[], $2::text[], $3::uuid[], $4::text[], $5::text[])
             on conflict (sequence) do nothing
             """);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. changes.Select(m => m.Sequence)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. changes.Select(m => m.ClinicId)] });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. changes.Select(m => m.MessageId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. changes.Select(m => m.Message)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. changes.Select(m => m.Signature)] });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The clinic's changes after <paramref name="since"/>, in sequence order; each with <c>signature</c>, the compact JWS
    /// the message carried (its payload is the change itself, so a subscriber can verify what it rebuilds from).
    /// </summary>
    public async Task<GateChangeFeed> ReadAsync(string clinic, long since, int limit, CancellationToken ct)
    {
        await using var command = databases.For(clinic).Store.CreateCommand(
            $"select sequence, message, signature from {Table} where clinic = $1 and sequence > $2 order by sequence limit $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = since });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var items = new List<JsonObject>();
        var next = since;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            next = reader.GetInt64(0);
            var item = JsonNode.Parse(reader.GetString(1))!.AsObject();
            item["signature"] = reader.GetString(2);
            items.Add(item);
        }
        return new GateChangeFeed(items, next);
    }
}
