using Marten;
using Npgsql;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Consent.Api.Messaging;

/// <summary>The relay's durable position per consumer of the event log: a plain table beside Marten's, created with them at start-up.</summary>
public static class RelayPositions
{
    public const string Table = "relay_positions";

    public static void AddTo(StoreOptions options)
    {
        var positions = new Table(new PostgresqlObjectName(options.DatabaseSchemaName, Table, Weasel.Postgresql.SchemaUtils.IdentifierUsage.General));
        positions.AddColumn<string>("consumer").AsPrimaryKey();
        positions.AddColumn<long>("position").NotNull();
        positions.AddColumn<DateTimeOffset>("updated_at").NotNull().DefaultValueByExpression("now()");
        options.Storage.ExtendedSchemaObjects.Add(positions);
    }

    public static async Task<long> LoadAsync(NpgsqlConnection connection, string schema, string consumer, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select position from {schema}.{Table} where consumer = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = consumer });
        return await command.ExecuteScalarAsync(ct) is long position ? position : 0;
    }

    public static async Task SaveAsync(NpgsqlConnection connection, string schema, string consumer, long position, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"insert into {schema}.{Table} (consumer, position) values ($1, $2) on conflict (consumer) do update set position = excluded.position, updated_at = now()",
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = consumer });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        await command.ExecuteNonQueryAsync(ct);
    }
}
