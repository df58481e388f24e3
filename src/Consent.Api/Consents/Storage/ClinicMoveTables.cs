using System.Globalization;
using System.Text.RegularExpressions;
using Marten;
using JasperFx.MultiTenancy;
using Npgsql;

namespace Consent.Api.Consents.Storage;

/// <summary>One of Marten's tables as the clinic move sees it: which of its rows are the clinic's.</summary>
/// <param name="Name">The table, qualified by the store's schema.</param>
/// <param name="ClinicFilter">The SQL condition that picks one clinic's rows, with <c>{0}</c> for the clinic as a literal.</param>
public sealed record MovedTable(string Name, string ClinicFilter)
{
    public string TableOnly => Name[(Name.IndexOf('.', StringComparison.Ordinal) + 1)..];

    public string Where(string clinic) => string.Format(CultureInfo.InvariantCulture, ClinicFilter, ClinicMoveTables.Literal(clinic));
}

/// <summary>
/// The statements that move one clinic's rows of Marten's tables from one database to another
/// (docs/adr/0003-clinic-databases.md, "Moving a clinic"), kept beside <see cref="MartenTables"/> for the same reason:
/// Marten owns these tables' layout and has no API for any of this. Rows are copied with PostgreSQL's binary
/// <c>COPY</c> from the source's connection straight into the target's, so every column arrives byte for byte (the chain
/// hashes and head signatures cover the events' <c>data</c> and <c>headers</c> as stored); only an event's <c>seq_id</c> is
/// given anew, from the target's sequence. Every statement runs on a connection the caller passes, so that the whole
/// copy is one transaction on the target and every read one snapshot of the source. Clinic ids are written into the
/// statements as literals (<c>COPY</c> takes no parameters): only ids matching <see cref="ClinicPattern"/> get here.
/// </summary>
public sealed partial class ClinicMoveTables(IDocumentStore store)
{
    private string Schema => store.Options.Events.DatabaseSchemaName;

    private string Events => $"{Schema}.mt_events";

    private string Sequence => $"{Schema}.mt_events_sequence";

    /// <summary>A clinic id as every clinic id is (designs: routing keys carry it, so no dots).</summary>
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    public static partial Regex ClinicPattern();

    internal static string Literal(string clinic) =>
        ClinicPattern().IsMatch(clinic) ? $"'{clinic}'" : throw new ArgumentException("Not a clinic id.", nameof(clinic));

    /// <summary>
    /// Every table holding rows of a clinic, in the order they are copied (a stream before its events): the streams, the
    /// events, every document kept per clinic (Marten's conjoined tenancy: <c>tenant_id</c>) and the tablet link
    /// sessions, single-tenanted because a token is looked up before its clinic is known, which carry the clinic inside.
    /// Staff accounts and sessions, short codes and the data-protection keys belong to no clinic and stay where they are.
    /// </summary>
    public IReadOnlyList<MovedTable> Tables()
    {
        var documents = store.Options.AllKnownDocumentTypes().ToList();
        var tablets = documents.Single(m => m.DocumentType == typeof(TabletSession)).TableName.QualifiedName;
        return
        [
            new($"{Schema}.mt_streams", "tenant_id = {0}"),
            new(Events, "tenant_id = {0}"),
            .. documents.Where(m => m.TenancyStyle == TenancyStyle.Conjoined).Select(m => m.TableName.QualifiedName).Order(StringComparer.Ordinal)
                .Select(name => new MovedTable(name, "tenant_id = {0}")),
            new(tablets, $"data ->> '{nameof(TabletSession.ClinicId)}' = {{0}}"),
        ];
    }

    public async Task<long> CountAsync(NpgsqlConnection connection, MovedTable table, string clinic, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select count(*) from {table.Name} where {table.Where(clinic)}", connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>A table of the store's schema: its columns and their types, in their order; none when the table does not exist.</summary>
    public async Task<IReadOnlyList<(string Name, string Type)>> ColumnsAsync(NpgsqlConnection connection, string table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Schema });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
        var columns = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) columns.Add((reader.GetString(0), reader.GetString(1)));
        return columns;
    }

    /// <summary>The database's highest event position (0 when it holds none).</summary>
    public async Task<long> HighestSequenceAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from {Events}", connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The clinic's consents (stream ids), sorted.</summary>
    public async Task<IReadOnlyList<string>> StreamIdsAsync(NpgsqlConnection connection, string clinic, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select id from {Schema}.mt_streams where tenant_id = $1 order by id", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetString(0));
        return ids;
    }

    /// <summary>The positions of the clinic's events, in order.</summary>
    public async Task<long[]> SequencesOfAsync(NpgsqlConnection connection, string clinic, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select seq_id from {Events} where tenant_id = $1 order by seq_id", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        var sequences = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) sequences.Add(reader.GetInt64(0));
        return [.. sequences];
    }

    /// <summary>The ids of the clinic's events (an event keeps its id wherever it is stored).</summary>
    public async Task<HashSet<Guid>> EventIdsAsync(NpgsqlConnection connection, string clinic, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select id from {Events} where tenant_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        var ids = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        return ids;
    }

    /// <summary>
    /// Raises the target's event sequence to at least <paramref name="floor"/> (never lowers it: a lower value would hand
    /// out numbers again) and takes <paramref name="count"/> numbers from it, in order. The numbers are the target's own,
    /// so its relay's read horizon holds (this transaction holds the sequence until it ends, as every writer does).
    /// </summary>
    public async Task<long[]> TakeSequencesAsync(NpgsqlConnection target, long floor, int count, CancellationToken ct)
    {
        await using (var raise = new NpgsqlCommand(
            $"select setval('{Sequence}', greatest($1, (select last_value from {Sequence}), (select coalesce(max(seq_id), 1) from {Events})))", target))
        {
            raise.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Math.Max(floor, 1) });
            await raise.ExecuteNonQueryAsync(ct);
        }
        await using var take = new NpgsqlCommand($"select nextval('{Sequence}') from generate_series(1, $1)", target);
        take.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count });
        var taken = new List<long>(count);
        await using var reader = await take.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) taken.Add(reader.GetInt64(0));
        return [.. taken.Order()];
    }

    /// <summary>
    /// Whether anything else wrote events to the target since <paramref name="before"/> was its highest position:
    /// visible rows above it that are not the copied ones, or another transaction still holding the sequence (it may
    /// commit a number below the copied ones, which the relay's position, set past them, would then skip).
    /// </summary>
    public async Task<bool> OtherWritersAsync(NpgsqlConnection target, long before, long[] copied, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
             select exists (select 1 from {Events} where seq_id > $1 and seq_id <> all($2))
                 or exists (select 1 from pg_locks where locktype = 'relation' and relation = to_regclass('{Sequence}') and pid <> pg_backend_pid())
             """, target);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = before });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = copied });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Copies the clinic's rows of <paramref name="table"/> (not the events: <see cref="CopyEventsAsync"/>) byte for byte.</summary>
    public async Task CopyAsync(NpgsqlConnection source, NpgsqlConnection target, MovedTable table, IReadOnlyList<string> columns, string clinic, CancellationToken ct)
    {
        var list = string.Join(", ", columns.Select(Quoted));
        await PipeAsync(source, $"copy (select {list} from {table.Name} where {table.Where(clinic)}) to stdout (format binary)",
            target, $"copy {table.Name} ({list}) from stdin (format binary)", ct);
    }

    /// <summary>
    /// Copies the clinic's events in their order, every column byte for byte but <c>seq_id</c>: the event at
    /// <paramref name="from"/>[i] is stored at <paramref name="to"/>[i] (both ascending). The numbers are written into the
    /// statement (<c>COPY</c> takes no parameters); they are numbers the service read itself.
    /// </summary>
    public async Task CopyEventsAsync(NpgsqlConnection source, NpgsqlConnection target, IReadOnlyList<string> columns, string clinic, long[] from, long[] to, CancellationToken ct)
    {
        var selected = string.Join(", ", columns.Select(c => c == "seq_id" ? "m.new" : "e." + Quoted(c)));
        var numbers = (long[] values) => "'{" + string.Join(',', values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "}'::bigint[]";
        await PipeAsync(source,
            $"copy (select {selected} from {Events} e join unnest({numbers(from)}, {numbers(to)}) as m(old, new) on e.seq_id = m.old where e.tenant_id = {Literal(clinic)} order by e.seq_id) to stdout (format binary)",
            target, $"copy {Events} ({string.Join(", ", columns.Select(Quoted))}) from stdin (format binary)", ct);
    }

    /// <summary>Deletes the clinic's rows of every moved table (events before their streams); returns how many went from each.</summary>
    public async Task<IReadOnlyList<(MovedTable Table, int Rows)>> DeleteAsync(NpgsqlConnection connection, string clinic, CancellationToken ct)
    {
        var tables = Tables();
        var deleted = new List<(MovedTable, int)>();
        foreach (var table in tables.Where(t => t.Name == Events).Concat(tables.Where(t => t.Name != Events)))
        {
            await using var command = new NpgsqlCommand($"delete from {table.Name} where {table.Where(clinic)}", connection);
            deleted.Add((table, await command.ExecuteNonQueryAsync(ct)));
        }
        return deleted;
    }

    private static string Quoted(string column) => "\"" + column.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task PipeAsync(NpgsqlConnection source, string copyOut, NpgsqlConnection target, string copyIn, CancellationToken ct)
    {
        await using var rows = await source.BeginRawBinaryCopyAsync(copyOut, ct);
        await using var into = await target.BeginRawBinaryCopyAsync(copyIn, ct);
        await rows.CopyToAsync(into, ct);
    }
}
