using Consent.Api.Gate;
using Npgsql;

namespace Consent.Api.ClinicMoves;

/// <summary>
/// A clinic's rows of the gate's own tables during a move. Its subscribers' confirmations (<c>gate_acks</c>) move, their
/// sequences carried over to the moved events' new positions: a withdrawal counts as confirmed when every subscriber
/// confirmed at or after the withdrawal's own position, which is now the target's number. Its published gate changes
/// (<c>gate_changes</c>) do not move: their sequences are the source's numbering, and a subscriber catching up on the
/// target reads from the target's higher numbers; they are deleted from the source with the clinic's other rows.
/// </summary>
public sealed class GateRowsOfClinic(string schema)
{
    private string Acks => $"{schema}.{GateTables.GateAcks}";

    private string Changes => $"{schema}.{GateTables.GateChanges}";

    public static IReadOnlyList<string> TableNames => [GateTables.GateAcks, GateTables.GateChanges];

    public async Task<(long Acks, long Changes)> CountAsync(NpgsqlConnection connection, string clinic, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select (select count(*) from {Acks} where clinic = $1), (select count(*) from {Changes} where clinic = $1)", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Copies the clinic's confirmations, each sequence carried to the new position of the event it named (the latest of
    /// the clinic's events at or before it): positions keep their order, so "confirmed at or after" still holds.
    /// </summary>
    public async Task<int> CopyAcksAsync(NpgsqlConnection source, NpgsqlConnection target, string clinic, long[] from, long[] to, CancellationToken ct)
    {
        var rows = new List<(string Subscriber, string Patient, string Procedure, long Sequence, DateTimeOffset At)>();
        await using (var read = new NpgsqlCommand($"select subscriber, patient_id, procedure_code, sequence, confirmed_at from {Acks} where clinic = $1", source))
        {
            read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }
        if (rows.Count == 0) return 0;
        await using var write = new NpgsqlCommand(
            $"insert into {Acks} (clinic, subscriber, patient_id, procedure_code, sequence, confirmed_at) select $1, * from unnest($2, $3, $4, $5, $6)", target);
        write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Subscriber)] });
        write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Patient)] });
        write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Procedure)] });
        write.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => Renumbered(r.Sequence, from, to))] });
        write.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. rows.Select(r => r.At)] });
        return await write.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The new position of the latest moved event at or before <paramref name="sequence"/> (0 before all of them).</summary>
    public static long Renumbered(long sequence, long[] from, long[] to)
    {
        var at = Array.BinarySearch(from, sequence);
        var index = at >= 0 ? at : ~at - 1;
        return index >= 0 ? to[index] : 0;
    }

    public async Task<(int Acks, int Changes)> DeleteAsync(NpgsqlConnection connection, string clinic, CancellationToken ct)
    {
        await using var acks = new NpgsqlCommand($"delete from {Acks} where clinic = $1", connection);
        acks.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        await using var changes = new NpgsqlCommand($"delete from {Changes} where clinic = $1", connection);
        changes.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        return (await acks.ExecuteNonQueryAsync(ct), await changes.ExecuteNonQueryAsync(ct));
    }
}
