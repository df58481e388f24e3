using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Consent.Api.Dashboard;

/// <summary>
/// Failed sign-ins counted per account and per client address in one row each, changed by a single upsert so that
/// racing attempts all count (a read-modify-write of the account document lost 29 of 30 parallel failures). A key locks
/// when its count reaches its limit within <see cref="StaffSettings.LockoutMinutes"/>, and stays locked that long.
/// </summary>
public sealed class SignInThrottle(NpgsqlDataSource database, IDocumentStore store, IOptions<StaffSettings> settings)
{
    public const string Table = "sign_in_failures";

    private string Name => $"{store.Options.DatabaseSchemaName}.{Table}";

    public static void AddTo(StoreOptions options)
    {
        var table = new Table(new PostgresqlObjectName(options.DatabaseSchemaName, Table, Weasel.Postgresql.SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("key").AsPrimaryKey();
        table.AddColumn<int>("failures").NotNull();
        table.AddColumn<int>("lock_after").NotNull();
        table.AddColumn<DateTimeOffset>("window_start").NotNull();
        table.AddColumn<DateTimeOffset>("locked_until");
        options.Storage.ExtendedSchemaObjects.Add(table);
    }

    /// <summary>The keys an attempt counts against: the account's (when a name was given) and the client address's.</summary>
    public static IReadOnlyList<string> KeysOf(string? accountId, string clientAddress)
    {
        // The address is kept only as a hash: the table needs to recognise it, not to show it.
        var address = "address:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clientAddress)));
        return string.IsNullOrEmpty(accountId) ? [address] : ["account:" + accountId, address];
    }

    public async Task<bool> IsLockedAsync(IReadOnlyList<string> keys, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = database.CreateCommand($"select exists (select 1 from {Name} where key = any(@keys) and locked_until > @now)");
        command.Parameters.AddWithValue("keys", keys.ToArray());
        command.Parameters.AddWithValue("now", now);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Counts one failure against every key; true when this failure locked one of them.</summary>
    public async Task<bool> RecordFailureAsync(IReadOnlyList<string> keys, DateTimeOffset now, CancellationToken ct)
    {
        var s = settings.Value;
        var limits = keys.Select(k => k.StartsWith("address:", StringComparison.Ordinal) ? s.AddressLockoutAttempts : s.LockoutAttempts).ToArray();
        var until = now.AddMinutes(s.LockoutMinutes);
        // One statement per attempt: PostgreSQL serialises the upserts on the row, so every racing failure counts. A row
        // whose lock has passed, or whose window has, starts again from this failure.
        await using var command = database.CreateCommand($"""
            insert into {Name} as f (key, failures, lock_after, window_start, locked_until)
            select k, 1, l, @now, case when l <= 1 then @until end from unnest(@keys, @limits) as u(k, l)
            on conflict (key) do update set
              failures = case when {Reset} then 1 else f.failures + 1 end,
              window_start = case when {Reset} then @now else f.window_start end,
              locked_until = case
                when {Reset} then case when excluded.lock_after <= 1 then @until end
                when f.locked_until is not null then f.locked_until
                when f.failures + 1 >= excluded.lock_after then @until
              end,
              lock_after = excluded.lock_after
            returning locked_until = @until
            """);
        command.Parameters.AddWithValue("keys", keys.ToArray());
        command.Parameters.AddWithValue("limits", limits);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("until", until);
        command.Parameters.AddWithValue("windowStart", now.AddMinutes(-s.LockoutMinutes));
        var locked = false;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) locked |= !reader.IsDBNull(0) && reader.GetBoolean(0);
        return locked;
    }

    private const string Reset = "((f.locked_until is not null and f.locked_until <= @now) or (f.locked_until is null and f.window_start <= @windowStart))";

    /// <summary>A right password clears the account's count (not the address's: one good account must not wash an address's failures away).</summary>
    public async Task ClearAccountAsync(string accountId, CancellationToken ct)
    {
        await using var command = database.CreateCommand($"delete from {Name} where key = @key");
        command.Parameters.AddWithValue("key", "account:" + accountId);
        await command.ExecuteNonQueryAsync(ct);
    }
}
