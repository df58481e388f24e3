using System.Data;
using Consent.Api.Consents.Integrity;
using Consent.Api.Consents.Storage;
using Consent.Api.Messaging;
using Consent.Api.Signing;
using Marten;
using Npgsql;

namespace Consent.Api.ClinicMoves;

/// <summary>Why a move was refused; nothing was written.</summary>
public sealed class MoveRefusedException(string reason) : Exception(reason);

/// <summary>
/// Moves one clinic's consents from one database to another, as docs/adr/0003-clinic-databases.md lays out: every check
/// first, then one transaction on the target, then every moved consent checked with the service's own chain verification
/// (<see cref="ChainVerification"/>) as the service will read it once the clinic is mapped to the target. Deleting the
/// clinic's rows from the source is a separate run, allowed only once the clinic is mapped to a database that holds every
/// one of its events and verifies. Prints counts and, where one fails, consent ids; never a patient id or a name.
/// </summary>
public sealed class ClinicMove(
    IDocumentStore store, ClinicDatabases databases, MartenTables martenTables, SigningKeyRing keys, HeadCheckpoints checkpoints, TextWriter output)
{
    private readonly ClinicMoveTables _tables = new(store);
    private readonly GateRowsOfClinic _gate = new(store.Options.DatabaseSchemaName);

    private string Schema => store.Options.Events.DatabaseSchemaName;

    /// <summary>Copies <paramref name="clinic"/> from <paramref name="sourceName"/> to <paramref name="targetName"/>, or only says what it would copy.</summary>
    public async Task CopyAsync(string clinic, string sourceName, string targetName, bool plan, CancellationToken ct)
    {
        var source = Database(sourceName);
        var target = Database(targetName);
        if (source == target) throw new MoveRefusedException($"clinic {clinic} is already in database {targetName}.");
        output.WriteLine($"move-clinic: clinic {clinic} from database {source.Name} to {target.Name}{(plan ? " (plan only: nothing is written)" : "")}");

        await using var s = await source.Sessions.OpenConnectionAsync(ct);
        await using var t = await target.Sessions.OpenConnectionAsync(ct);
        // The target's relay must not run while the clinic's history lands there, or it would publish it again and then
        // save its own position over the one set below. Held until the end (the pool's reset releases it too).
        if (!await TryRelayLockAsync(t, ct))
            throw new MoveRefusedException($"an instance of the service is relaying on database {target.Name} (it holds that relay's lock): stop the instances first (ADR 0003, step 1).");
        try
        {
            // One snapshot of the source for every read: counts, rows and positions agree with each other.
            await using var snapshot = await s.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
            var columns = await SameSchemaAsync(source, target, s, t, ct);
            var counts = await CountsAsync(s, clinic, ct);
            var streams = counts[0].Rows;
            if (streams == 0) throw new MoveRefusedException($"database {source.Name} holds no consent of clinic {clinic} (an unknown clinic, or one already moved).");
            var inTarget = (await CountsAsync(t, clinic, ct)).Where(c => c.Rows > 0).ToList();
            if (inTarget.Count > 0)
                throw new MoveRefusedException($"database {target.Name} already holds rows of clinic {clinic} ({string.Join(", ", inTarget.Select(c => $"{c.Table} {c.Rows}"))}): nothing is copied over them.");
            var sourceHighest = await _tables.HighestSequenceAsync(s, ct);
            await RequireDrainedAsync(s, source, sourceHighest, ct);
            var targetHighest = await _tables.HighestSequenceAsync(t, ct);
            await RequireDrainedAsync(t, target, targetHighest, ct);
            var targetPosition = await RelayPositionRowAsync(t, ct);
            var sequences = await _tables.SequencesOfAsync(s, clinic, ct);
            var consentIds = await _tables.StreamIdsAsync(s, clinic, ct);

            Print(counts);
            output.WriteLine($"checks: {source.Name}'s relay has published every event (position {sourceHighest}); {target.Name}'s relay too (position {targetHighest}) and is held by this run; " +
                             $"{target.Name} holds nothing of clinic {clinic}; both schemas match this version of the service");
            if (plan)
            {
                output.WriteLine($"plan: the move is possible; the events would get new positions above {Math.Max(sourceHighest, targetHighest)} in {target.Name}. Run again without --plan to copy.");
                return;
            }

            var moved = await CopyInOneTransactionAsync(s, t, source, target, clinic, columns, sequences, Math.Max(sourceHighest, targetHighest), targetHighest, ct);
            output.WriteLine($"copied in one transaction on {target.Name}: {consentIds.Count} consents, {sequences.Length} events (new positions {moved[0]}-{moved[^1]}), " +
                             $"{counts.Skip(2).Where(c => !GateRowsOfClinic.TableNames.Contains(c.Table)).Sum(c => c.Rows)} documents, {counts.Single(c => c.Table == Gate.GateTables.GateAcks).Rows} gate acknowledgements; " +
                             $"{target.Name}'s relay position set to {moved[^1]}");

            var failed = await FailingConsentsAsync(clinic, consentIds, ct);
            if (failed.Count > 0)
            {
                await UndoCopyAsync(t, clinic, targetPosition, ct);
                throw new MoveRefusedException($"{failed.Count} of {consentIds.Count} copied consents did not verify in {target.Name} ({string.Join(", ", failed)}); the copy was deleted from {target.Name} again.");
            }
            output.WriteLine($"verified {consentIds.Count} of {consentIds.Count} consents in {target.Name} with the service's chain verification (chain, signed head, checkpoints)");
            output.WriteLine($"next: set Store:ClinicDatabases:{clinic}={target.Name}, restart the instances, then delete the source's rows with " +
                             $"'Consent.Api move-clinic --clinic {clinic} --from {source.Name} --delete-source'");
        }
        finally
        {
            await ReleaseRelayLockAsync(t);
        }
    }

    /// <summary>
    /// Deletes <paramref name="clinic"/>'s rows from <paramref name="sourceName"/>, once the clinic is mapped elsewhere and
    /// that database holds every one of the source's events of the clinic and each of its consents verifies there.
    /// </summary>
    public async Task DeleteSourceAsync(string clinic, string sourceName, bool plan, CancellationToken ct)
    {
        var source = Database(sourceName);
        var current = databases.For(clinic);
        if (current == source)
            throw new MoveRefusedException($"clinic {clinic} is still mapped to database {source.Name}: copy it, set Store:ClinicDatabases:{clinic} to its new database and restart the instances first (ADR 0003, step 6).");
        output.WriteLine($"move-clinic: delete clinic {clinic}'s rows from database {source.Name} (it is mapped to {current.Name}){(plan ? " (plan only: nothing is deleted)" : "")}");
        await using var s = await source.Sessions.OpenConnectionAsync(ct);
        await using var t = await current.Sessions.OpenConnectionAsync(ct);
        var leaving = await _tables.EventIdsAsync(s, clinic, ct);
        var counts = await CountsAsync(s, clinic, ct);
        if (counts.All(c => c.Rows == 0)) throw new MoveRefusedException($"database {source.Name} holds nothing of clinic {clinic}.");
        var kept = await _tables.EventIdsAsync(t, clinic, ct);
        var missing = leaving.Count(id => !kept.Contains(id));
        var consentsInSource = await _tables.StreamIdsAsync(s, clinic, ct);
        var consents = await _tables.StreamIdsAsync(t, clinic, ct);
        if (missing > 0 || consentsInSource.Except(consents, StringComparer.Ordinal).Any())
            throw new MoveRefusedException($"database {current.Name} lacks {missing} of clinic {clinic}'s {leaving.Count} events in {source.Name}: copy the clinic first (move-clinic --to {current.Name}).");
        var failed = await FailingConsentsAsync(clinic, consents, ct);
        if (failed.Count > 0)
            throw new MoveRefusedException($"{failed.Count} of {consents.Count} consents of clinic {clinic} do not verify in {current.Name} ({string.Join(", ", failed)}): the source is kept.");
        output.WriteLine($"checks: {current.Name} holds all {leaving.Count} events of clinic {clinic} that {source.Name} holds; {consents.Count} of {consents.Count} consents verify there");
        Print(counts);
        if (plan)
        {
            output.WriteLine("plan: these rows would be deleted. Run again without --plan to delete them.");
            return;
        }
        await using (var transaction = await s.BeginTransactionAsync(ct))
        {
            var deleted = await _tables.DeleteAsync(s, clinic, ct);
            var (acks, changes) = await _gate.DeleteAsync(s, clinic, ct);
            await transaction.CommitAsync(ct);
            output.WriteLine($"deleted from {source.Name} in one transaction: {string.Join(", ", deleted.Select(d => $"{d.Table.TableOnly} {d.Rows}"))}, {Gate.GateTables.GateAcks} {acks}, {Gate.GateTables.GateChanges} {changes}");
        }
    }

    private ClinicDatabase Database(string name) =>
        databases.All.FirstOrDefault(d => d.Name == name)
        ?? throw new MoveRefusedException($"no database '{name}': the databases are {string.Join(", ", databases.All.Select(d => d.Name))} (ConnectionStrings:Postgres is 'default', others come from {ClinicDatabases.DatabasesSection}).");

    /// <summary>
    /// Both databases' schemas are the one this version of the service expects (Marten's own check, as the service runs
    /// it at start with <c>Store:ApplySchemaChanges=false</c>), and every table copied has the same columns in the same
    /// order in both (binary <c>COPY</c> needs it). Returns each copied table's columns.
    /// </summary>
    private async Task<Dictionary<string, IReadOnlyList<string>>> SameSchemaAsync(ClinicDatabase source, ClinicDatabase target, NpgsqlConnection s, NpgsqlConnection t, CancellationToken ct)
    {
        foreach (var database in new[] { source, target })
        {
            try
            {
                await (await store.Storage.FindOrCreateDatabase(database.Name)).AssertDatabaseMatchesConfigurationAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new MoveRefusedException($"database {database.Name}'s schema does not match this version of the service: run 'Consent.Api migrate' first.");
            }
        }
        var columns = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var table in _tables.Tables().Select(m => m.TableOnly).Concat(GateRowsOfClinic.TableNames))
        {
            var inSource = await _tables.ColumnsAsync(s, table, ct);
            var inTarget = await _tables.ColumnsAsync(t, table, ct);
            if (inSource.Count == 0 || !inSource.SequenceEqual(inTarget))
                throw new MoveRefusedException($"the schemas differ: table {table} has other columns in {source.Name} than in {target.Name}: run 'Consent.Api migrate' on both first.");
            columns[table] = [.. inSource.Select(c => c.Name)];
        }
        return columns;
    }

    /// <summary>The clinic's rows per table: streams first, events second, then documents, then the gate's tables.</summary>
    private async Task<List<(string Table, long Rows)>> CountsAsync(NpgsqlConnection connection, string clinic, CancellationToken ct)
    {
        var counts = new List<(string, long)>();
        foreach (var table in _tables.Tables()) counts.Add((table.TableOnly, await _tables.CountAsync(connection, table, clinic, ct)));
        var (acks, changes) = await _gate.CountAsync(connection, clinic, ct);
        counts.Add((Gate.GateTables.GateAcks, acks));
        counts.Add((Gate.GateTables.GateChanges, changes));
        return counts;
    }

    private void Print(IEnumerable<(string Table, long Rows)> counts)
    {
        foreach (var (table, rows) in counts)
        {
            var note = table == Gate.GateTables.GateChanges ? " (not copied: the source's numbering; deleted with the source's rows)"
                : table == Gate.GateTables.GateAcks ? " (sequences carried to the new positions)" : "";
            output.WriteLine($"  {table,-32} {rows,8}{note}");
        }
    }

    private async Task RequireDrainedAsync(NpgsqlConnection connection, ClinicDatabase database, long highest, CancellationToken ct)
    {
        var position = await RelayPositions.LoadAsync(connection, Schema, EventRelay.Consumer, ct);
        if (position < highest)
            throw new MoveRefusedException($"database {database.Name}'s relay has not published every event yet (position {position}, highest event {highest}): let it drain (ADR 0003, step 2), then run again.");
    }

    private async Task<long[]> CopyInOneTransactionAsync(
        NpgsqlConnection s, NpgsqlConnection t, ClinicDatabase source, ClinicDatabase target, string clinic, Dictionary<string, IReadOnlyList<string>> columns,
        long[] sequences, long floor, long targetHighest, CancellationToken ct)
    {
        await using var transaction = await t.BeginTransactionAsync(ct);
        var moved = await _tables.TakeSequencesAsync(t, floor, sequences.Length, ct);
        foreach (var table in _tables.Tables())
        {
            if (table.TableOnly == "mt_events") await _tables.CopyEventsAsync(s, t, columns[table.TableOnly], clinic, sequences, moved, ct);
            else await _tables.CopyAsync(s, t, table, columns[table.TableOnly], clinic, ct);
        }
        await _gate.CopyAcksAsync(s, t, clinic, sequences, moved, ct);
        if (await _tables.OtherWritersAsync(t, targetHighest, moved, ct))
            throw new MoveRefusedException($"another transaction wrote events to database {target.Name} during the copy: stop the instances (ADR 0003, step 1) and run again; nothing was copied.");
        // Outside the source's snapshot: a write for the clinic during the copy would be lost (ADR 0003, step 1).
        await using (var fresh = await source.Store.OpenConnectionAsync(ct))
        {
            var now = await _tables.SequencesOfAsync(fresh, clinic, ct);
            if (!now.SequenceEqual(sequences))
                throw new MoveRefusedException($"clinic {clinic} was written to in database {source.Name} during the copy: stop its writes (ADR 0003, step 1) and run again; nothing was copied.");
        }
        // The relay of the target starts after the copied events: their messages went out from the source already.
        await RelayPositions.SaveAsync(t, Schema, EventRelay.Consumer, moved[^1], ct);
        await transaction.CommitAsync(ct);
        return moved;
    }

    /// <summary>The consents whose stored history does not verify where the clinic's sessions now read it.</summary>
    private async Task<List<string>> FailingConsentsAsync(string clinic, IEnumerable<string> consentIds, CancellationToken ct)
    {
        checkpoints.Load();
        var failed = new List<string>();
        foreach (var id in consentIds)
        {
            if (await ChainVerification.CheckAsync(martenTables, store, keys, checkpoints, clinic, id, ct) is not { Valid: true }) failed.Add(id);
        }
        return failed;
    }

    /// <summary>Takes a copy that did not verify back out of the target, its relay position as it was (or no row, if it had none).</summary>
    private async Task UndoCopyAsync(NpgsqlConnection t, string clinic, long? relayPosition, CancellationToken ct)
    {
        await using var transaction = await t.BeginTransactionAsync(ct);
        await _tables.DeleteAsync(t, clinic, ct);
        await _gate.DeleteAsync(t, clinic, ct);
        if (relayPosition is { } position) await RelayPositions.SaveAsync(t, Schema, EventRelay.Consumer, position, ct);
        else
        {
            await using var delete = new NpgsqlCommand($"delete from {Schema}.{RelayPositions.Table} where consumer = $1", t);
            delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = EventRelay.Consumer });
            await delete.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>The relay's stored position, or null when it has stored none (a database whose relay never published).</summary>
    private async Task<long?> RelayPositionRowAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select position from {Schema}.{RelayPositions.Table} where consumer = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = EventRelay.Consumer });
        return await command.ExecuteScalarAsync(ct) as long?;
    }

    private string RelayLock => $"consent-relay:{Schema}:{EventRelay.Consumer}";

    private async Task<bool> TryRelayLockAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select pg_try_advisory_lock(hashtext($1))", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = RelayLock });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private async Task ReleaseRelayLockAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("select pg_advisory_unlock(hashtext($1))", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = RelayLock });
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
