using System.Text.Json;
using Consent.Api.Consents.Integrity;
using Consent.Workflows.Runtime;
using Marten;
using Npgsql;

namespace Consent.Api.Consents.Storage;

/// <summary>A consent event as stored: its global position, its own id and where it sits in its stream.</summary>
public sealed record StoredEvent(long Sequence, Guid Id, string StreamId, long Version, string ClinicId, ConsentEvent Data)
{
    /// <summary>When PostgreSQL stored it (the relay's lag is measured from here); null where not read.</summary>
    public DateTimeOffset? StoredAt { get; init; }

    /// <summary>The W3C trace context of the request that stored it (Marten's correlation id), if it had one.</summary>
    public string? TraceParent { get; init; }
}

/// <summary>
/// The one door to Marten's own tables (<c>mt_events</c>, <c>mt_streams</c>, <c>mt_doc_consentsummary</c>): every
/// statement the service runs on them by hand is here, each with the reason Marten's API does not serve. Marten
/// owns these tables' layout; after a Marten upgrade re-check the columns used here (<c>seq_id</c>, <c>stream_id</c>,
/// <c>version</c>, <c>tenant_id</c>, <c>type</c>, <c>mt_dotnet_type</c>, <c>data</c>, <c>headers</c>, <c>timestamp</c>, <c>correlation_id</c>, the
/// <c>mt_events_sequence</c> sequence and the document table's <c>data</c> column); see docs/adr/0002.
/// <list type="bullet">
/// <item>Reading in global order (relay, dashboard feed): sequence numbers are taken before a transaction commits, so
/// a row with a lower number can still appear after a higher one is visible. Every transaction that takes a number
/// holds a lock on the sequence until it ends, so once the holders seen after a read are all gone, nothing below that
/// read's highest number can appear any more (<see cref="ReadHorizon"/>). Marten has no API for the lock holders.</item>
/// <item>The chain as stored (verify, relay): the hash covers the row's JSON as PostgreSQL holds it, not an object
/// Marten deserialised and might normalise.</item>
/// <item>The gate's few fields and a key's history: one round trip where Marten would load whole rows or streams.</item>
/// <item>Purging old idempotent responses in bounded batches: Marten's bulk delete has no limit.</item>
/// <item>A random sample of the consents for the row verifier: Marten's LINQ has no random order.</item>
/// </list>
/// Statements that carry no session state use Marten's pool, which skips the per-use reset; the hot single reads use
/// the pool that prepares them; reads that must run on a caller's connection (the relay's, holding its lock) take it as
/// an argument and prepare themselves on it (the relay asks up to 50 times a second; planning the lock-holder read took as
/// long as running it, 0.24 ms, in the benchmark's statements). A statement about one clinic runs on that clinic's
/// database (<see cref="ClinicDatabases"/>); one about a whole database names it.
/// </summary>
public sealed class MartenTables(IDocumentStore store, ClinicDatabases databases)
{
    private readonly Dictionary<string, Type> _types = ConsentStore.EventTypes.ToDictionary(StoredTypeName);

    /// <summary>How Marten names a .NET event type in the <c>mt_dotnet_type</c> column.</summary>
    public static string StoredTypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    private string Schema => store.Options.Events.DatabaseSchemaName;

    /// <summary>The highest visible sequence and the transactions still holding the sequence, read in that order.</summary>
    public async Task<(long Highest, IReadOnlySet<string> Holders)> ObserveAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
             select (select coalesce(max(seq_id), 0) from {Schema}.mt_events),
                    (select coalesce(array_agg(virtualtransaction), array[]::text[]) from pg_locks
                      where locktype = 'relation' and relation = to_regclass('{Schema}.mt_events_sequence') and pid <> pg_backend_pid())
             """, connection);
        await command.PrepareAsync(ct);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetFieldValue<string[]>(1).ToHashSet());
    }

    /// <summary>
    /// The events of the stored types <paramref name="typeNames"/> after <paramref name="after"/> up to <paramref name="upTo"/>, at most
    /// <paramref name="limit"/>; <c>Complete</c> says whether everything up to <paramref name="upTo"/> was read.
    /// </summary>
    public async Task<(IReadOnlyList<StoredEvent> Events, bool Complete)> ReadEventsAsync(
        NpgsqlConnection connection, long after, long upTo, string[] typeNames, int limit, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"select seq_id, id, stream_id, version, tenant_id, mt_dotnet_type, data, timestamp, correlation_id from {Schema}.mt_events where seq_id > $1 and seq_id <= $2 and mt_dotnet_type = any($3) order by seq_id limit $4",
            connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = typeNames });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await command.PrepareAsync(ct);
        var events = await ReadStoredEventsAsync(command, ct);
        return (events, events.Count < limit);
    }

    /// <summary>Which consents changed after <paramref name="after"/> up to <paramref name="upTo"/>: position, clinic, consent, event type name; no event data.</summary>
    public async Task<IReadOnlyList<(long Sequence, string ClinicId, string StreamId, string Type)>> ReadChangedStreamsAsync(
        NpgsqlConnection connection, long after, long upTo, int limit, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"select seq_id, tenant_id, stream_id, type from {Schema}.mt_events where seq_id > $1 and seq_id <= $2 order by seq_id limit $3", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var changes = new List<(long, string, string, string)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) changes.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        return changes;
    }

    /// <summary>
    /// Every event of every consent of one patient and procedure ($1 clinic, $2 one of the consents), by consent and
    /// version. Npgsql prepares it, so PostgreSQL soon runs one generic plan whatever the values. No join for the planner
    /// to choose: a plan made while the tables were new joined them by scanning both, 0.2-0.4 s a call once they had
    /// grown. The consents are found first (two index lookups, run once), then their events by the stream index. Nothing
    /// here names <c>seq_id</c>: with <c>seq_id &lt;= $3</c> in the statement the generic plan the benchmark got at 14,000
    /// events also read the sequence index and intersected the two, a bitmap of every event stored below $3 built on
    /// every call (2.7 ms against 0.7 ms for the same key; RelayHistoryPlanTests). The caller drops the events after its own.
    /// </summary>
    internal string KeyHistorySql =>
        $"""
         select seq_id, id, stream_id, version, tenant_id, mt_dotnet_type, data, type, data::text, coalesce(headers, jsonb_build_object())::text
           from {Schema}.mt_events
          where tenant_id = $1
            and stream_id = any(array(
                  select s.id from {store.Options.DatabaseSchemaName}.mt_doc_consentsummary s
                   where s.tenant_id = $1
                     and s.data ->> 'PatientId' = (select data ->> 'PatientId' from {Schema}.mt_events where tenant_id = $1 and stream_id = $2 and version = 1)
                     and s.data ->> 'ProcedureCode' = (select data ->> 'ProcedureCode' from {Schema}.mt_events where tenant_id = $1 and stream_id = $2 and version = 1)
                  union select $2))
          order by stream_id, version
         """;

    /// <summary>
    /// Everything stored for one patient and procedure up to global position <paramref name="upTo"/>: the events of every
    /// consent for them, in stream order, and the chain links of <paramref name="streamId"/>'s events. The patient and
    /// procedure are read from that consent's first event; the other consents are found through their projection rows
    /// (only which consents they are is taken from the rows; what each consent says comes from its events).
    /// </summary>
    public async Task<(IReadOnlyList<StoredEvent> Events, IReadOnlyList<EventChain.Link> Chain)> ReadKeyHistoryAsync(
        string clinic, string streamId, long upTo, CancellationToken ct)
    {
        await using var command = databases.For(clinic).Prepared.CreateCommand(KeyHistorySql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        var serializer = store.Options.Serializer();
        var events = new List<StoredEvent>();
        var chain = new List<EventChain.Link>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (reader.GetInt64(0) > upTo) continue;
            var stream = reader.GetString(2);
            if (stream == streamId) chain.Add(ChainLink(reader.GetInt64(3), reader.GetString(7), reader.GetString(8), reader.GetString(9)));
            var typeName = reader.IsDBNull(5) ? "" : reader.GetString(5);
            if (!_types.TryGetValue(typeName, out var type)) continue;
            var data = (ConsentEvent)serializer.FromJson(type, reader, 6);
            events.Add(new StoredEvent(reader.GetInt64(0), reader.GetGuid(1), stream, reader.GetInt64(3), reader.GetString(4), data));
        }
        return (events, chain);
    }

    /// <summary>
    /// One consent's chain as PostgreSQL holds it (not as anything in the service cached it) and the stream version
    /// recorded beside it; null when neither exists.
    /// </summary>
    public async Task<(IReadOnlyList<EventChain.Link> Links, long RecordedVersion)?> ReadChainAsync(string clinic, string streamId, CancellationToken ct)
    {
        // Two commands, not one with two statements: Npgsql prepares repeated commands, and a prepared command holds one statement.
        var reads = databases.For(clinic).Prepared;
        var links = new List<EventChain.Link>();
        await using (var command = reads.CreateCommand(
            $"select version, type, data::text, coalesce(headers, jsonb_build_object())::text from {Schema}.mt_events where stream_id = $1 and tenant_id = $2 order by seq_id"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) links.Add(ChainLink(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }
        await using var version = reads.CreateCommand($"select version from {Schema}.mt_streams where id = $1 and tenant_id = $2");
        version.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        version.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        var recorded = await version.ExecuteScalarAsync(ct) as long?;
        if (recorded is null && links.Count == 0) return null;
        return (links, recorded ?? links.Count);
    }

    /// <summary>
    /// Every consent stream's recorded version, for a signed checkpoint kept outside the database (<c>HeadCheckpoints</c>)
    /// and the row verifier's full round: one scan of <c>mt_streams</c>, which Marten's API would load as whole stream states.
    /// </summary>
    public async Task<IReadOnlyList<(string ClinicId, string StreamId, long Version)>> ReadStreamVersionsAsync(ClinicDatabase database, CancellationToken ct)
    {
        await using var command = database.Prepared.CreateCommand($"select tenant_id, id, version from {Schema}.mt_streams where id <> $1 order by tenant_id, id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = MartenOwnStream });
        var heads = new List<(string, string, long)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) heads.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        return heads;
    }

    /// <summary>
    /// The stream Marten keeps in each clinic for the sequence numbers a failed append had taken (its tombstones): no
    /// consent, so never checked or checkpointed as one (the row verifier reported it as a consent whose row was missing).
    /// </summary>
    private static readonly string MartenOwnStream = JasperFx.Events.Tombstone.StreamKey;

    /// <summary>
    /// At most <paramref name="size"/> consent streams of one database, picked at random, for the row verifier's rolling
    /// check: Marten's LINQ has no random order, and picking in memory meant loading the id of every consent first. The
    /// streams, not the projection rows, so that a consent whose row was deleted can be drawn too.
    /// </summary>
    public async Task<IReadOnlyList<(string ClinicId, string StreamId)>> SampleStreamsAsync(ClinicDatabase database, int size, CancellationToken ct)
    {
        await using var command = database.Store.CreateCommand($"select tenant_id, id from {Schema}.mt_streams where id <> $2 order by random() limit $1");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = size });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = MartenOwnStream });
        var picked = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) picked.Add((reader.GetString(0), reader.GetString(1)));
        return picked;
    }

    /// <summary>
    /// Deletes at most <paramref name="limit"/> idempotent responses stored more than <paramref name="retention"/> ago
    /// (by PostgreSQL's clock, which stamped them: Marten's <c>mt_last_modified</c>, indexed) and returns how many went.
    /// Marten's <c>DeleteWhere</c> takes no limit, and one unbounded delete of a day's rows would hold their locks and
    /// write its WAL in one go beside the steps. Rows another purge holds are skipped, not waited for.
    /// </summary>
    public async Task<int> DeleteIdempotentResponsesAsync(ClinicDatabase database, TimeSpan retention, int limit, CancellationToken ct)
    {
        var table = $"{store.Options.DatabaseSchemaName}.mt_doc_idempotentresponse";
        await using var command = database.Store.CreateCommand(
            $"""
             delete from {table} where (tenant_id, id) in (
               select tenant_id, id from {table} where mt_last_modified < now() - $1 limit $2 for update skip locked)
             """);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = retention });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The schema Marten keeps events in: checkpoints name it, so that several stores on one database keep theirs apart.</summary>
    public string EventSchema => Schema;

    /// <summary>
    /// Runs <paramref name="change"/> holding the advisory lock that Marten's own start-up migration takes
    /// (<c>ApplyChangesLockId</c>), so that instances or test hosts starting together never race on the same DDL. With
    /// several databases the lock is taken on each, always in the same order (<see cref="ClinicDatabases.All"/>).
    /// </summary>
    public Task WithSchemaLockAsync(Func<Task> change, CancellationToken ct) => WithSchemaLockAsync(databases.All, change, ct);

    private async Task WithSchemaLockAsync(IReadOnlyList<ClinicDatabase> locked, Func<Task> change, CancellationToken ct)
    {
        if (locked.Count == 0)
        {
            await change();
            return;
        }
        await using var connection = await locked[0].Store.OpenConnectionAsync(ct);
        await using (var take = new NpgsqlCommand("select pg_advisory_lock($1)", connection))
        {
            take.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ((StoreOptions)store.Options).ApplyChangesLockId });
            await take.ExecuteNonQueryAsync(ct);
        }
        try
        {
            await WithSchemaLockAsync([.. locked.Skip(1)], change, ct);
        }
        finally
        {
            await using var release = new NpgsqlCommand("select pg_advisory_unlock($1)", connection);
            release.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ((StoreOptions)store.Options).ApplyChangesLockId });
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// The service role's rights, granted by the schema owner (<see cref="SchemaOwnership"/>): read and write the
    /// documents and tables it keeps current, but on the events and on every table a feature declared append-only
    /// (<see cref="AppendOnlyTable"/>) only read and insert. A stream's row may move its version forward but never
    /// vanish. Marten has no API for grants. Granted on every database.
    /// </summary>
    public async Task GrantServiceRoleAsync(string role, IEnumerable<AppendOnlyTable> appendOnly, CancellationToken ct)
    {
        var tables = appendOnly.ToList();
        foreach (var database in databases.All) await GrantServiceRoleAsync(database, role, tables, ct);
    }

    private async Task GrantServiceRoleAsync(ClinicDatabase database, string role, IEnumerable<AppendOnlyTable> appendOnly, CancellationToken ct)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(role, "^[a-z_][a-z0-9_]{0,62}$"))
            throw new ArgumentException($"Store:AppRole '{role}' is not a plain PostgreSQL role name (lower-case letters, digits, _).", nameof(role));
        string[] frozen = ["mt_events", .. appendOnly.Select(t => t.Name)];
        var statements = new List<string>
        {
            $"grant usage on schema {Schema} to {role}",
            $"grant select, insert, update, delete on all tables in schema {Schema} to {role}",
            $"grant usage, select, update on all sequences in schema {Schema} to {role}",
            $"grant execute on all functions in schema {Schema} to {role}",
            $"revoke delete, truncate on {Schema}.mt_streams from {role}",
        };
        statements.AddRange(frozen.Select(t => $"revoke update, delete, truncate on {Schema}.{t} from {role}"));
        await using var connection = await database.Store.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await command.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>A stored row as a link of the chain: its hashes and the metadata they cover come from the row's headers.</summary>
    private static EventChain.Link ChainLink(long version, string type, string dataJson, string headersJson)
    {
        var headers = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(headersJson) ?? [];
        string Header(string key) => headers.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        var metadata = headers.Where(h => h.Key is not (ConsentStreams.HashHeader or ConsentStreams.PrevHashHeader or SignedHeads.Header) && h.Value.ValueKind == JsonValueKind.String)
            .ToDictionary(h => h.Key, h => h.Value.GetString()!);
        return new EventChain.Link(version, type, dataJson, metadata, Header(ConsentStreams.PrevHashHeader), Header(ConsentStreams.HashHeader))
        {
            HeadSignature = headers.ContainsKey(SignedHeads.Header) ? Header(SignedHeads.Header) : null,
        };
    }

    /// <summary>The global position of the last event of <paramref name="type"/> in one consent's stream, if any.</summary>
    public async Task<long?> LastSequenceOfAsync(string clinic, string streamId, Type type, CancellationToken ct)
    {
        await using var command = databases.For(clinic).Prepared.CreateCommand(
            $"select max(seq_id) from {Schema}.mt_events where tenant_id = $1 and stream_id = $2 and mt_dotnet_type = $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StoredTypeName(type) });
        return await command.ExecuteScalarAsync(ct) is long sequence ? sequence : null;
    }

    /// <summary>One consent as the gate reads it: the row's gate fields, the head it says it was folded to, and the signature stored for that head.</summary>
    public sealed record GateRow(string ConsentId, ConsentState State, long Version, string LastHash, string? HeadSignature);

    /// <summary>
    /// The gate's inputs for one patient and procedure: each consent's row (only the fields of its state the gate's
    /// rules read, as JSON for <see cref="ConsentState"/>, and the version and chain hash it was folded to), the head
    /// signature stored on the event at that version, and the global position of the last event of
    /// <paramref name="changingTypeNames"/> in any of those consents. One round trip on the gate's hot path.
    /// </summary>
    public async Task<(IReadOnlyList<GateRow> Consents, long Sequence)> ReadGateRowsAsync(
        string clinic, string patientId, string procedureCode, string[] changingTypeNames, CancellationToken ct)
    {
        await using var command = databases.For(clinic).Prepared.CreateCommand(
            $"""
             with consents as (
               select id, data -> 'Record' as record, data -> 'Record' -> 'Runtime' as r from {store.Options.DatabaseSchemaName}.mt_doc_consentsummary
                where tenant_id = $1 and data ->> 'PatientId' = $2 and data ->> 'ProcedureCode' = $3)
             select id, jsonb_build_object('Started', true, 'Status', r -> 'Status', 'CreatedAt', r -> 'CreatedAt', 'ValidFrom', r -> 'ValidFrom',
                      'ValidUntil', r -> 'ValidUntil', 'Reaffirmations', r -> 'Reaffirmations', 'WorkflowId', r -> 'WorkflowId',
                      'WorkflowVersion', r -> 'WorkflowVersion')::text,
                    (record ->> 'Version')::bigint, coalesce(record ->> 'LastHash', ''),
                    (select e.headers ->> '{Integrity.SignedHeads.Header}' from {Schema}.mt_events e
                      where e.tenant_id = $1 and e.stream_id = consents.id and e.version = (record ->> 'Version')::bigint),
                    (select coalesce(max(seq_id), 0) from {Schema}.mt_events
                      where tenant_id = $1 and stream_id in (select id from consents) and mt_dotnet_type = any($4))
               from consents
             """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = patientId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = procedureCode });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = changingTypeNames });
        var serializer = store.Options.Serializer();
        var consents = new List<GateRow>();
        long sequence = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var state = serializer.FromJson<ConsentState>(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(reader.GetString(1))));
            consents.Add(new GateRow(reader.GetString(0), state, reader.GetInt64(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
            sequence = reader.GetInt64(5);
        }
        return (consents, sequence);
    }

    private async Task<IReadOnlyList<StoredEvent>> ReadStoredEventsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var serializer = store.Options.Serializer();
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var typeName = reader.IsDBNull(5) ? "" : reader.GetString(5);
            // Rows of types this service does not know (none today) are passed over rather than stopping the relay.
            if (!_types.TryGetValue(typeName, out var type)) continue;
            var data = (ConsentEvent)serializer.FromJson(type, reader, 6);
            events.Add(new StoredEvent(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), data)
            {
                StoredAt = reader.GetFieldValue<DateTimeOffset>(7),
                TraceParent = reader.IsDBNull(8) ? null : reader.GetString(8),
            });
        }
        return events;
    }
}
