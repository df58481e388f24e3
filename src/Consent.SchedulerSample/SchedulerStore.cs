using Consent.Contracts;
using Npgsql;

namespace Consent.SchedulerSample;

public sealed record GateState(bool Allowed, string Reason, DateTimeOffset? ValidFrom, DateTimeOffset? ValidUntil, long Sequence);

/// <param name="Status"><c>booked</c>; <c>held</c> while the gate does not allow its time (<see cref="HoldReason"/>
/// says why), booked again once it does; <c>cancelled</c> for good (<see cref="CancelReason"/>).</param>
public sealed record Booking(Guid Id, string PatientId, string ProcedureCode, DateTimeOffset At, string Status, string? CancelReason, string? HoldReason);

/// <summary>What one applied gate change did to the bookings of its patient and procedure.</summary>
public sealed record AppliedChange(int Cancelled, int Held, int Restored);

/// <summary>The scheduler's own tables: the gate per patient and procedure, bookings, and the messages already applied.</summary>
public sealed class SchedulerStore(NpgsqlDataSource db, IConfiguration configuration)
{
    /// <summary>
    /// Answers that close the gate for good: bookings under them are cancelled (a new consent means a new booking).
    /// Every other answer that does not allow a booking's time holds it: the booking keeps its slot, and is booked
    /// again when a later change allows that time (a re-opened consent granted, a cooling-off period that ends first).
    /// </summary>
    private static readonly string[] Revoking = [GateReasons.Withdrawn, GateReasons.Expired, GateReasons.ReconsentRequired, GateReasons.Declined];

    /// <summary>Answers under which a future slot inside the consent's window may be booked.</summary>
    private static readonly string[] Bookable = [GateReasons.Granted, GateReasons.CoolingOff, GateReasons.ReaffirmationRequired];

    private readonly string _schema = configuration["Scheduler:Schema"] ?? "scheduler";
    private int _created;

    private async Task EnsureAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _created) == 1) return;
        await using var command = db.CreateCommand($"""
            create schema if not exists {_schema};
            create table if not exists {_schema}.gate (patient_id text, procedure_code text, allowed boolean not null, reason text not null,
              valid_from timestamptz, valid_until timestamptz, sequence bigint not null, primary key (patient_id, procedure_code));
            create table if not exists {_schema}.bookings (id uuid primary key, patient_id text not null, procedure_code text not null,
              at timestamptz not null, status text not null, cancel_reason text, hold_reason text);
            alter table {_schema}.bookings add column if not exists hold_reason text;
            create table if not exists {_schema}.processed_messages (message_id uuid primary key, processed_at timestamptz not null default now());
            """);
        await command.ExecuteNonQueryAsync(ct);
        Volatile.Write(ref _created, 1);
    }

    /// <summary>
    /// Applies one gate change exactly once (by message id) and only if it is newer than what is held; returns what
    /// it did to the bookings, or null when the message had been applied before.
    /// </summary>
    public async Task<AppliedChange?> ApplyAsync(Guid messageId, SchedulingGateChanged change, CancellationToken ct)
    {
        await EnsureAsync(ct);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var seen = new NpgsqlCommand($"insert into {_schema}.processed_messages (message_id) values ($1) on conflict do nothing", connection, tx))
        {
            seen.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = messageId });
            if (await seen.ExecuteNonQueryAsync(ct) == 0) return null;
        }
        await using (var upsert = new NpgsqlCommand($"""
            insert into {_schema}.gate (patient_id, procedure_code, allowed, reason, valid_from, valid_until, sequence) values ($1, $2, $3, $4, $5, $6, $7)
            on conflict (patient_id, procedure_code) do update set allowed = excluded.allowed, reason = excluded.reason,
              valid_from = excluded.valid_from, valid_until = excluded.valid_until, sequence = excluded.sequence
            where {_schema}.gate.sequence < excluded.sequence
            """, connection, tx))
        {
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.PatientId });
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.ProcedureCode });
            upsert.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = change.Allowed });
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.Reason });
            upsert.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = change.ValidFrom });
            upsert.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = change.ValidUntil });
            upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = change.Sequence });
            // A stale message (lower sequence than held) changes nothing, and cancels nothing.
            if (await upsert.ExecuteNonQueryAsync(ct) == 0)
            {
                await tx.CommitAsync(ct);
                return new AppliedChange(0, 0, 0);
            }
        }
        AppliedChange applied;
        if (Revoking.Contains(change.Reason))
        {
            await using var cancel = new NpgsqlCommand($"""
                update {_schema}.bookings set status = 'cancelled', cancel_reason = $3, hold_reason = null
                where patient_id = $1 and procedure_code = $2 and status in ('booked', 'held')
                """, connection, tx);
            cancel.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.PatientId });
            cancel.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.ProcedureCode });
            cancel.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "consent_" + change.Reason });
            applied = new AppliedChange(await cancel.ExecuteNonQueryAsync(ct), 0, 0);
        }
        else
        {
            // Each live booking is booked exactly when the new answer allows its time (as BookAsync decides), else held
            // with the reason the gate gives for that time.
            await using var hold = new NpgsqlCommand($"""
                with decided as (
                  select id, status as was, case
                      when not $3 then $4
                      when $5::timestamptz is not null and at < $5 then '{GateReasons.CoolingOff}'
                      when $6::timestamptz is not null and at >= $6 then '{GateReasons.Expired}'
                    end as hold_reason
                  from {_schema}.bookings where patient_id = $1 and procedure_code = $2 and status in ('booked', 'held')),
                changed as (
                  update {_schema}.bookings b set status = case when d.hold_reason is null then 'booked' else 'held' end, hold_reason = d.hold_reason
                  from decided d
                  where b.id = d.id and (b.status, b.hold_reason) is distinct from (case when d.hold_reason is null then 'booked' else 'held' end, d.hold_reason)
                  returning d.was, b.status)
                select count(*) filter (where was = 'booked' and status = 'held')::int,
                       count(*) filter (where was = 'held' and status = 'booked')::int from changed
                """, connection, tx);
            hold.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.PatientId });
            hold.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.ProcedureCode });
            hold.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = Bookable.Contains(change.Reason) });
            hold.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.Reason });
            hold.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = change.ValidFrom });
            hold.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = change.ValidUntil });
            await using var counts = await hold.ExecuteReaderAsync(ct);
            await counts.ReadAsync(ct);
            applied = new AppliedChange(0, counts.GetInt32(0), counts.GetInt32(1));
        }
        await tx.CommitAsync(ct);
        return applied;
    }

    /// <summary>Books a slot if the gate held here allows it; otherwise returns the reason it is refused.</summary>
    public async Task<(Booking? Booking, string? Refusal)> BookAsync(string patientId, string procedureCode, DateTimeOffset at, CancellationToken ct)
    {
        await EnsureAsync(ct);
        var gate = await GateAsync(patientId, procedureCode, ct);
        if (gate is null) return (null, GateReasons.NoConsent);
        if (!Bookable.Contains(gate.Reason)) return (null, gate.Reason);
        if (at < gate.ValidFrom) return (null, GateReasons.CoolingOff);
        if (at >= gate.ValidUntil) return (null, GateReasons.Expired);
        var booking = new Booking(Guid.NewGuid(), patientId, procedureCode, at, "booked", null, null);
        await using var insert = db.CreateCommand($"insert into {_schema}.bookings (id, patient_id, procedure_code, at, status) values ($1, $2, $3, $4, 'booked')");
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = booking.Id });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = patientId });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = procedureCode });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
        await insert.ExecuteNonQueryAsync(ct);
        return (booking, null);
    }

    public async Task<GateState?> GateAsync(string patientId, string procedureCode, CancellationToken ct)
    {
        await EnsureAsync(ct);
        await using var command = db.CreateCommand($"select allowed, reason, valid_from, valid_until, sequence from {_schema}.gate where patient_id = $1 and procedure_code = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = patientId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = procedureCode });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new GateState(reader.GetBoolean(0), reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.GetInt64(4));
    }

    public async Task<Booking?> FindAsync(Guid id, CancellationToken ct)
    {
        await EnsureAsync(ct);
        await using var command = db.CreateCommand($"select id, patient_id, procedure_code, at, status, cancel_reason, hold_reason from {_schema}.bookings where id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new Booking(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6));
    }
}
