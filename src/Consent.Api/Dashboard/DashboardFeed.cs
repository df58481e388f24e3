using Marten;
using Microsoft.AspNetCore.SignalR;
using Npgsql;

namespace Consent.Api.Dashboard;

/// <summary>
/// Reads the stored events in order, as they are committed, and tells each clinic's open dashboards which consent
/// changed (its id and the event type: no patient data travels). Every instance feeds its own connections.
/// </summary>
public sealed partial class DashboardFeed(IDocumentStore store, NpgsqlDataSource db, IHubContext<DashboardHub> hub, IConfiguration configuration, ILogger<DashboardFeed> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(configuration.GetValue("Dashboard:FeedMilliseconds", 500));
        long position = -1;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                position = position < 0 ? await MaxAsync(stoppingToken) : await PublishAfterAsync(position, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                FeedFailed(log, ex.GetType().Name);
            }
            await Task.Delay(interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task<long> MaxAsync(CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select coalesce(max(seq_id), 0) from {store.Options.Events.DatabaseSchemaName}.mt_events");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private async Task<long> PublishAfterAsync(long position, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            $"select seq_id, stream_id, tenant_id, type from {store.Options.Events.DatabaseSchemaName}.mt_events where seq_id > $1 order by seq_id limit 1000");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        var changes = new List<(string Clinic, string Consent, string Type, long Sequence)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                position = reader.GetInt64(0);
                changes.Add((reader.GetString(2), reader.GetString(1), reader.GetString(3), position));
            }
        }
        // One message per consent per round, however many of its events arrived.
        foreach (var change in changes.GroupBy(c => (c.Clinic, c.Consent)).Select(g => g.Last()))
        {
            await hub.Clients.Group(DashboardHub.GroupOf(change.Clinic)).SendAsync("changed", change.Consent, change.Type, change.Sequence, ct);
        }
        return position;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard feed round failed ({Error}); retrying")]
    private static partial void FeedFailed(ILogger logger, string error);
}
