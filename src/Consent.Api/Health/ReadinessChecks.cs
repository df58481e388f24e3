using Consent.Api.Consents.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using RabbitMQ.Client;

namespace Consent.Api.Health;

/// <summary>
/// Ready means PostgreSQL answers a query, not merely that its port is open: one check per database of the store
/// (docs/adr/0003-clinic-databases.md); a failure reports its registration's status (unhealthy for the default database,
/// degraded for the others: HealthApi says why).
/// </summary>
public sealed class PostgresReadiness(ClinicDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = database.Sessions.CreateCommand("select 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // Pooled connections to a restarted server are dead; drop this database's so the next use starts clean. Our pools
            // are data sources of their own, which NpgsqlConnection.ClearAllPools does not reach.
            database.Store.Clear();
            database.Sessions.Clear();
            database.Prepared.Clear();
            return new HealthCheckResult(context.Registration.FailureStatus, $"PostgreSQL database '{database.Name}' is unreachable.", ex);
        }
    }
}

/// <summary>
/// Ready means the broker accepts an AMQP connection and opens a channel. One connection is kept and
/// replaced when it drops; it has no automatic recovery of its own so a check always reports the truth now.
/// </summary>
public sealed class RabbitMqReadiness(IConfiguration configuration) : IHealthCheck, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is not { IsOpen: true })
            {
                await DisposeConnectionAsync();
                var factory = new ConnectionFactory
                {
                    Uri = new Uri(configuration["Amqp:Uri"] ?? throw new InvalidOperationException("Amqp:Uri is not configured.")),
                    AutomaticRecoveryEnabled = false,
                    RequestedConnectionTimeout = TimeSpan.FromSeconds(2),
                    ClientProvidedName = "consent-readiness",
                };
                _connection = await factory.CreateConnectionAsync(cancellationToken);
            }
            await using var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await DisposeConnectionAsync();
            return HealthCheckResult.Unhealthy("RabbitMQ is unreachable.", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DisposeConnectionAsync()
    {
        if (_connection is null) return;
        try { await _connection.DisposeAsync(); }
        catch (Exception ex) when (ex is IOException or RabbitMQ.Client.Exceptions.RabbitMQClientException or ObjectDisposedException) { }
        _connection = null;
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeConnectionAsync();
        _gate.Dispose();
    }
}
