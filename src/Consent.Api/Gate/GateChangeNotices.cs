using Consent.Workflows.Runtime;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Npgsql;

namespace Consent.Api.Gate;

/// <summary>
/// Tells every instance's <see cref="GateCache"/> that a consent's gate inputs changed: a notification queued in the
/// same transaction as the events (PostgreSQL delivers it only if they commit), and this instance's own entry dropped
/// right after the commit, before the caller that made the change is answered.
/// </summary>
public sealed class GateChangeNotices(GateCache cache) : DocumentSessionListenerBase
{
    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        foreach (var stream in session.PendingChanges.Streams())
        {
            if (ChangedConsent(stream) is { } consentId)
            {
                session.QueueSqlCommand("select pg_notify(?, ?)", GateCache.Channel, GateCache.Payload(session.TenantId, consentId));
            }
        }
        return Task.CompletedTask;
    }

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        foreach (var stream in commit.GetStreams())
        {
            if (ChangedConsent(stream) is { } consentId)
            {
                cache.Changed(session.TenantId, consentId);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>The consent whose stream this is, when any of its new events may change a gate answer.</summary>
    private static string? ChangedConsent(StreamAction stream) =>
        stream.Events.Any(e => e.Data is ConsentEvent c && GateRules.Changes(c)) ? stream.Key : null;
}

/// <summary>
/// Holds one connection listening for <see cref="GateCache.Channel"/> and hands each notification to the cache. The
/// cache keeps answers only while this connection is up; when it drops, the cache empties and the gate reads the
/// database until listening resumes. A notification is sent on the database of the clinic that changed, so there is
/// one listening connection per database (<see cref="Consents.Storage.ClinicDatabases"/>).
/// </summary>
public sealed partial class GateNoticeListener(GateCache cache, Consents.Storage.ClinicDatabases databases, IConfiguration configuration, ILogger<GateNoticeListener> log)
    : BackgroundService
{
    private static readonly TimeSpan Probe = TimeSpan.FromSeconds(10);

    /// <summary>The default database's listening connection's server process, while there is one (tests cut it).</summary>
    internal int? BackendPid { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Gate:Cache=false where LISTEN cannot work (a transaction-pooling proxy in front of PostgreSQL): every question
        // then reads the database.
        if (!configuration.GetValue("Gate:Cache", true)) return;
        await Task.WhenAll(databases.All.Select(database => ListenAsync(database, stoppingToken)));
    }

    private async Task ListenAsync(Consents.Storage.ClinicDatabase database, CancellationToken stoppingToken)
    {
        var db = database.Sessions;
        var warned = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => cache.Changed(e.Payload);
                await using (var listen = new NpgsqlCommand($"listen {GateCache.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                if (database.IsDefault) BackendPid = connection.ProcessID;
                cache.Listening(database.Name, true);
                warned = false;
                while (!stoppingToken.IsCancellationRequested)
                {
                    // A quiet channel looks the same as a dead connection: ask the server now and then.
                    if (await connection.WaitAsync(Probe, stoppingToken)) continue;
                    await using var probe = new NpgsqlCommand("select 1", connection);
                    await probe.ExecuteScalarAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Whatever went wrong, the gate stays correct by reading the database; one warning per outage.
                if (!warned) ListenerLost(log, ex.GetType().Name);
                warned = true;
            }
            finally
            {
                if (database.IsDefault) BackendPid = null;
                cache.Listening(database.Name, false);
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The gate's change listener lost its database connection ({Kind}); the gate reads the database until it is back")]
    private static partial void ListenerLost(ILogger logger, string kind);
}
