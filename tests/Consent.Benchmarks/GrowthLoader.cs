using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Consent.Api.Auditing;
using Consent.Api.Consents;
using Consent.Api.Consents.Integrity;
using Consent.Api.Consents.Storage;
using Consent.Api.Signing;
using Consent.Workflows.Definitions;
using Consent.Workflows.Loading;
using Consent.Workflows.Runtime;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

/// <summary>
/// Loads many finished consents fast (binary COPY into Marten's tables, the service stopped), each a copy of a consent
/// the service itself stored (a template walked over HTTP) under a new id, patient, tablet link and signature image,
/// moved back in time. Nothing is copied blindly: every event's chain hash, the stream's fold, the projection row and
/// each head signature are computed again with the service's own code (EventChain, ConsentRecord.Apply, the inline
/// projection, SignedHeads, ServiceSigner with the bench's key directory), and the timers that would have fired since
/// (end of cooling-off, expiry) are decided by the runtime's own Tick, as the service's timers would. So the service
/// accepts the result as its own: verify says valid, the gate believes the rows, the relay publishes the events.
/// </summary>
internal sealed partial class GrowthLoader(string postgres, string keyDirectory, WorkflowCatalog workflows, string schema = "consent")
{
    /// <summary>How far back the copies' start times are spread: beyond the 90-day validity, so a share has expired.</summary>
    public static readonly TimeSpan Spread = TimeSpan.FromDays(180);

    private static readonly Dictionary<string, Type> EventTypes = ConsentStore.EventTypes.ToDictionary(MartenTables.StoredTypeName);
    private static readonly Actor Timers = Actor.Service("timers");
    private readonly ISerializer _serializer = new StoreOptions().Serializer();

    private sealed record Column(string Name, string Type);

    private sealed record Rows(List<Column> Columns, List<object?[]> Values)
    {
        public int Index(string name) => Columns.FindIndex(c => c.Name == name) is var i and >= 0 ? i : throw new InvalidOperationException($"no column {name}");
    }

    /// <summary>One template consent as stored: its rows, and the values a copy replaces.</summary>
    private sealed record Template(string Id, string Clinic, List<object?[]> Events, object?[] Stream, object?[] Summary, List<(string Table, object?[] Row)> Documents, string PatientId, string TokenSha, string SignatureSha, string PngBase64);

    /// <summary>What one copy writes.</summary>
    private sealed record Copy(List<object?[]> Events, object?[] Stream, object?[] Summary, List<(string Table, object?[] Row)> Documents);

    private const string Documents = "mt_doc_tabletsession,mt_doc_signatureimage";

    public sealed record Loaded(int Consents, long Events, long FirstSequence, long LastSequence, double Seconds);

    /// <summary>Copies the templates <paramref name="count"/> times, serials from <paramref name="firstSerial"/>; patients are <c>GRW-serial</c>.</summary>
    public async Task<Loaded> LoadAsync(IReadOnlyList<string> templateIds, int firstSerial, int count, CancellationToken ct = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // No command timeout: a part's COPY ends with the foreign-key checks of all its event rows, which takes minutes.
        await using var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(postgres) { CommandTimeout = 0 }.ConnectionString);
        var tables = new Dictionary<string, List<Column>>();
        foreach (var table in new[] { "mt_events", "mt_streams", "mt_doc_consentsummary" }.Concat(Documents.Split(','))) tables[table] = await ColumnsAsync(source, table, ct);
        var templates = await TemplatesAsync(source, tables, templateIds, ct);
        var now = DateTimeOffset.UtcNow;

        long sequence;
        await using (var max = source.CreateCommand($"select coalesce(max(seq_id), 0) from {schema}.mt_events")) sequence = (long)(await max.ExecuteScalarAsync(ct))!;
        var first = sequence + 1;
        var connections = new Dictionary<string, NpgsqlConnection>();
        var importers = new Dictionary<string, NpgsqlBinaryImporter>();
        // Each worker signs with its own key ring: one ring signs under a lock.
        var signers = new ConcurrentBag<ServiceSigner>();
        long events = 0;
        const int Batch = 500;
        // Written and committed in parts, so that one part's foreign-key checks and its server memory stay bounded.
        const int Part = 10_000;
        for (var start = 0; start < count; start += Batch)
        {
            if (start % Part == 0) await BeginPartAsync(source, tables, connections, importers, ct);
            var batch = Enumerable.Range(firstSerial + start, Math.Min(Batch, count - start)).AsParallel().AsOrdered()
                .WithDegreeOfParallelism(Math.Max(1, Math.Min(2, Environment.ProcessorCount)))
                .Select(serial =>
                {
                    if (!signers.TryTake(out var signer)) signer = new ServiceSigner(SigningKeyRing.Open(keyDirectory, null, false, NullLogger.Instance));
                    try { return Clone(templates[serial % templates.Count], serial, tables, signer, now); }
                    finally { signers.Add(signer); }
                }).ToList();
            foreach (var copy in batch)
            {
                var seq = tables["mt_events"].FindIndex(c => c.Name == "seq_id");
                foreach (var e in copy.Events)
                {
                    e[seq] = ++sequence;
                    await WriteAsync(importers["mt_events"], tables["mt_events"], e, ct);
                }
                events += copy.Events.Count;
                await WriteAsync(importers["mt_streams"], tables["mt_streams"], copy.Stream, ct);
                await WriteAsync(importers["mt_doc_consentsummary"], tables["mt_doc_consentsummary"], copy.Summary, ct);
                foreach (var (table, row) in copy.Documents) await WriteAsync(importers[table], tables[table], row, ct);
            }
            if ((start / Batch) % 20 == 19) Console.WriteLine($"  loaded {start + batch.Count} of {count} consents, {events} events, {clock.Elapsed.TotalSeconds:0} s");
            if ((start + Batch) % Part == 0 || start + Batch >= count) await CompletePartAsync(connections, importers, ct);
        }
        // The service takes its next sequence numbers after the loaded ones, and plans with statistics of the loaded tables,
        // as after a restore; the loaded rows are marked all-visible, as autovacuum does within minutes of a bulk insert
        // (so counts from an index alone read no row, as they would on a clinic's database).
        await using (var after = source.CreateCommand($"select setval('{schema}.mt_events_sequence', (select max(seq_id) from {schema}.mt_events))"))
        {
            await after.ExecuteNonQueryAsync(ct);
        }
        await using (var vacuum = source.CreateCommand("vacuum (analyze)"))
        {
            await vacuum.ExecuteNonQueryAsync(ct);
        }
        return new Loaded(count, events, first, sequence, clock.Elapsed.TotalSeconds);
    }

    private async Task BeginPartAsync(NpgsqlDataSource source, Dictionary<string, List<Column>> tables, Dictionary<string, NpgsqlConnection> connections,
        Dictionary<string, NpgsqlBinaryImporter> importers, CancellationToken ct)
    {
        foreach (var (table, columns) in tables)
        {
            connections[table] = await source.OpenConnectionAsync(ct);
            importers[table] = await connections[table].BeginBinaryImportAsync(
                $"copy {schema}.{table} ({string.Join(", ", columns.Select(c => Quote(c.Name)))}) from stdin (format binary)", ct);
        }
    }

    private static async Task CompletePartAsync(Dictionary<string, NpgsqlConnection> connections, Dictionary<string, NpgsqlBinaryImporter> importers, CancellationToken ct)
    {
        // Streams first: each event row's foreign key names its stream, checked when its COPY ends.
        foreach (var (table, importer) in importers.OrderBy(i => i.Key == "mt_streams" ? 0 : 1))
        {
            await importer.CompleteAsync(ct);
            await importer.DisposeAsync();
            await connections[table].DisposeAsync();
        }
        importers.Clear();
        connections.Clear();
    }

    /// <summary>Sets the relay's position <paramref name="backlog"/> events before the newest, so it has that many to catch up.</summary>
    public async Task<(long From, long To)> RewindRelayAsync(long backlog, CancellationToken ct = default)
    {
        await using var source = NpgsqlDataSource.Create(postgres);
        await using var command = source.CreateCommand($"""
            insert into {schema}.relay_positions (consumer, position)
            select 'rabbitmq', greatest(0, max(seq_id) - $1) from {schema}.mt_events
            on conflict (consumer) do update set position = excluded.position, updated_at = now()
            returning position, (select max(seq_id) from {schema}.mt_events)
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = backlog });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private async Task<List<Column>> ColumnsAsync(NpgsqlDataSource source, string table, CancellationToken ct)
    {
        await using var command = source.CreateCommand(
            "select column_name, udt_name from information_schema.columns where table_schema = $1 and table_name = $2 and is_generated = 'NEVER' order by ordinal_position");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = schema });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
        var columns = new List<Column>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) columns.Add(new Column(reader.GetString(0), reader.GetString(1)));
        return columns.Count > 0 ? columns : throw new InvalidOperationException($"{schema}.{table} does not exist: start the service once first");
    }

    private async Task<Rows> SelectAsync(NpgsqlDataSource source, string table, List<Column> columns, string where, string[] ids, CancellationToken ct)
    {
        await using var command = source.CreateCommand($"select {string.Join(", ", columns.Select(c => Quote(c.Name) + (c.Type is "jsonb" ? "::text" : "")))} from {schema}.{table} where {where}");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        var rows = new List<object?[]>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var row = new object?[columns.Count];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return new Rows(columns, rows);
    }

    private async Task<List<Template>> TemplatesAsync(NpgsqlDataSource source, Dictionary<string, List<Column>> tables, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var idArray = ids.ToArray();
        var events = await SelectAsync(source, "mt_events", tables["mt_events"], "stream_id = any($1) order by stream_id, version", idArray, ct);
        var streams = await SelectAsync(source, "mt_streams", tables["mt_streams"], "id = any($1)", idArray, ct);
        var summaries = await SelectAsync(source, "mt_doc_consentsummary", tables["mt_doc_consentsummary"], "id = any($1)", idArray, ct);
        var documents = new List<(string Table, Rows Rows)>();
        foreach (var table in Documents.Split(',')) documents.Add((table, await SelectAsync(source, table, tables[table], "data ->> 'ConsentId' = any($1)", idArray, ct)));
        var templates = new List<Template>();
        foreach (var id in ids)
        {
            var own = events.Values.Where(r => (string)r[events.Index("stream_id")]! == id).ToList();
            var record = own.Aggregate(ConsentRecord.None, (r, row) => r.Apply(Event(events, row)));
            string Field<T>(string name) where T : ConsentEvent =>
                own.Select(row => Event(events, row)).OfType<T>().Select(e => typeof(T).GetProperty(name)!.GetValue(e) as string).LastOrDefault()
                ?? throw new InvalidOperationException($"template {id} has no {typeof(T).Name}");
            var signature = Field<ConsentSigned>(nameof(ConsentSigned.SignatureSha256));
            var docs = documents.SelectMany(d => d.Rows.Values.Where(r => ((string)r[d.Rows.Index("data")]!).Contains(id, StringComparison.Ordinal)).Select(r => (d.Table, r))).ToList();
            var imageData = tables["mt_doc_signatureimage"].FindIndex(c => c.Name == "data");
            var image = docs.Where(d => d.Table == "mt_doc_signatureimage").Select(d => JsonNode.Parse((string)d.r[imageData]!)!["PngBase64"]!.GetValue<string>()).Single();
            if (Convert.ToHexStringLower(SHA256.HashData(Convert.FromBase64String(image))) != signature) throw new InvalidOperationException("template image does not match its signature hash");
            templates.Add(new Template(id, record.ClinicId, own, streams.Values.Single(r => (string)r[streams.Index("id")]! == id),
                summaries.Values.Single(r => (string)r[summaries.Index("id")]! == id), docs,
                record.PatientId, Field<TabletLinkIssued>(nameof(TabletLinkIssued.TokenSha256)), signature, image));
        }
        return templates;
    }

    private ConsentEvent Event(Rows events, object?[] row) =>
        (ConsentEvent)_serializer.FromJson(EventTypes[(string)row[events.Index("mt_dotnet_type")]!], new MemoryStream(System.Text.Encoding.UTF8.GetBytes((string)row[events.Index("data")]!)));

    private Copy Clone(Template template, int serial, Dictionary<string, List<Column>> tables, ServiceSigner signer, DateTimeOffset now)
    {
        var random = new Random(serial);
        var shift = -TimeSpan.FromSeconds(random.NextDouble() * Spread.TotalSeconds) - TimeSpan.FromMinutes(5);
        var id = "cns_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var png = SignatureDrawing.Png(serial);
        var replacements = new (string From, string To)[]
        {
            (template.Id, id),
            ($"\"{template.PatientId}\"", $"\"GRW-{serial:D7}\""),
            (template.TokenSha, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))),
            (template.SignatureSha, Convert.ToHexStringLower(SHA256.HashData(png))),
            (template.PngBase64, Convert.ToBase64String(png)),
        };
        string Rewrite(string text) => Shift(replacements.Aggregate(text, (t, r) => t.Replace(r.From, r.To, StringComparison.Ordinal)), shift);

        var chain = new StreamWriter(this, template.Clinic, id, tables["mt_events"], signer);
        foreach (var templateRow in template.Events)
        {
            var row = (object?[])templateRow.Clone();
            var headers = JsonNode.Parse(Rewrite((string?)row[chain.Col("headers")] ?? "{}"))!.AsObject();
            chain.Append(row, (string)row[chain.Col("type")]!, Rewrite((string)row[chain.Col("data")]!), headers, new DateTimeOffset((DateTime)row[chain.Col("timestamp")]!, TimeSpan.Zero) + shift);
        }
        // What the service's timers would have done since: each due timer fired by the runtime's own Tick at its time.
        var definition = workflows.Find(chain.Record.Runtime.WorkflowId, chain.Record.Runtime.WorkflowVersion) ?? throw new InvalidOperationException("template workflow missing");
        while (chain.Record.NextDueAt is { } due && due <= now)
        {
            var decision = new RuntimeChange(new Tick()).Decide(chain.Record, definition, due);
            if (decision.Events.IsDefaultOrEmpty) break;
            foreach (var e in decision.Events)
            {
                var row = (object?[])template.Events[^1].Clone();
                row[chain.Col("mt_dotnet_type")] = MartenTables.StoredTypeName(e.GetType());
                var headers = new JsonObject(Timers.Metadata(e.At).Select(m => KeyValuePair.Create(m.Key, (JsonNode?)m.Value)));
                chain.Append(row, e.GetType().GetEventTypeName(), _serializer.ToJson(e), headers, e.At);
            }
        }
        var record = chain.Record;

        var stream = (object?[])template.Stream.Clone();
        var streamColumns = tables["mt_streams"];
        stream[streamColumns.FindIndex(c => c.Name == "id")] = id;
        stream[streamColumns.FindIndex(c => c.Name == "version")] = record.Version;
        stream[streamColumns.FindIndex(c => c.Name == "timestamp")] = record.UpdatedAt.UtcDateTime;
        stream[streamColumns.FindIndex(c => c.Name == "created")] = ((DateTime)template.Stream[streamColumns.FindIndex(c => c.Name == "created")]!) + shift;

        var summaryColumns = tables["mt_doc_consentsummary"];
        var summaryRow = (object?[])template.Summary.Clone();
        for (var i = 0; i < summaryColumns.Count; i++)
        {
            summaryRow[i] = summaryColumns[i].Name switch
            {
                "id" => id,
                "data" => _serializer.ToJson(chain.Summary!),
                "mt_last_modified" => record.UpdatedAt.UtcDateTime,
                // The columns Marten keeps beside the document (ConsentStore's duplicated fields), from the same summary.
                "status" => chain.Summary!.Status,
                "updated_at" => chain.Summary!.UpdatedAt.UtcDateTime,
                // A projected document's revision is its stream's version (numeric), or a fresh uuid where revisions are uuids.
                "mt_version" => summaryColumns[i].Type == "uuid" ? Guid.NewGuid() : record.Version,
                _ => summaryRow[i],
            };
        }
        var documents = new List<(string, object?[])>();
        foreach (var (table, templateRow) in template.Documents)
        {
            var row = (object?[])templateRow.Clone();
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = row[i] switch
                {
                    string text => Rewrite(text),
                    DateTime at => at + shift,
                    Guid => Guid.NewGuid(),
                    var other => other,
                };
            }
            documents.Add((table, row));
        }
        return new Copy(chain.Rows, stream, summaryRow, documents);
    }

    /// <summary>One copy's events as the write path appends them: each hashed into the chain, folded, signed at its head.</summary>
    private sealed class StreamWriter(GrowthLoader loader, string clinic, string id, List<Column> columns, ServiceSigner signer)
    {
        private readonly ConsentSummaryProjection _projection = new();

        public ConsentSummary? Summary { get; private set; }

        /// <summary>The consent as folded so far: the projection's record, folded by the one fold as the inline projection does.</summary>
        public ConsentRecord Record => Summary?.Record ?? ConsentRecord.None;
        public List<object?[]> Rows { get; } = [];

        public int Col(string name) => columns.FindIndex(c => c.Name == name);

        public void Append(object?[] row, string typeName, string dataJson, JsonObject headers, DateTimeOffset at)
        {
            var data = (ConsentEvent)loader._serializer.FromJson(EventTypes[(string)row[Col("mt_dotnet_type")]!], new MemoryStream(System.Text.Encoding.UTF8.GetBytes(dataJson)));
            foreach (var key in new[] { ConsentStreams.HashHeader, ConsentStreams.PrevHashHeader, SignedHeads.Header }) headers.Remove(key);
            var metadata = headers.Where(h => h.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String).ToDictionary(h => h.Key, h => h.Value!.GetValue<string>());
            var version = Record.Version + 1;
            var hash = EventChain.Hash(Record.LastHash, version, typeName, dataJson, metadata);
            headers[ConsentStreams.PrevHashHeader] = Record.LastHash;
            headers[ConsentStreams.HashHeader] = hash;
            var stored = new Event<ConsentEvent>(data);
            stored.SetHeader(ConsentStreams.HashHeader, hash);
            Summary = _projection.Evolve(Summary, id, stored);
            headers[SignedHeads.Header] = signer.SignDetached(
                SignedHeads.Payload(clinic, id, version, hash, SignedHeads.GateDigest(Record.PatientId, Record.ProcedureCode, Record.Runtime)), SignedHeads.Type);
            row[Col("id")] = Guid.CreateVersion7(at);
            row[Col("stream_id")] = id;
            row[Col("version")] = version;
            row[Col("data")] = dataJson;
            row[Col("type")] = typeName;
            row[Col("headers")] = headers.ToJsonString();
            row[Col("timestamp")] = at.UtcDateTime;
            Rows.Add(row);
        }
    }

    /// <summary>Every ISO-8601 instant in <paramref name="json"/> moved by <paramref name="shift"/>.</summary>
    private static string Shift(string json, TimeSpan shift) => Instant().Replace(json, m =>
    {
        var at = DateTimeOffset.Parse(m.Value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) + shift;
        return m.Value.EndsWith('Z') ? at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) : at.ToString("O", CultureInfo.InvariantCulture);
    });

    [GeneratedRegex(@"(?<="")\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})(?="")")]
    private static partial Regex Instant();

    private static async Task WriteAsync(NpgsqlBinaryImporter importer, List<Column> columns, object?[] row, CancellationToken ct)
    {
        await importer.StartRowAsync(ct);
        for (var i = 0; i < columns.Count; i++)
        {
            if (row[i] is null) await importer.WriteNullAsync(ct);
            else await importer.WriteAsync(row[i], columns[i].Type, ct);
        }
    }

    private static string Quote(string name) => "\"" + name + "\"";
}
