using Consent.Api.Consents.Storage;
using Microsoft.AspNetCore.SignalR;

namespace Consent.Api.Dashboard;

/// <summary>
/// Reads the stored events in order, as they are committed (with the relay's <see cref="ReadHorizon"/>, so an event
/// that commits late is not passed over), and tells each clinic's open dashboards which consent changed: its id, the
/// event type and position, no patient data. Every instance feeds its own connections, from the events stored after
/// it started; each database (one unless clinics are spread over several, <see cref="ClinicDatabases"/>) from its own position.
/// </summary>
public sealed partial class DashboardFeed(
    ClinicDatabases databases, MartenTables tables, IHubContext<DashboardHub> hub, IEnumerable<IStaffNotifier> notifiers, IConfiguration configuration, ILogger<DashboardFeed> log)
    : BackgroundService
{
    private const int BatchSize = 1000;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(databases.All.Select(database => FeedAsync(database.Sessions, stoppingToken)));

    private async Task FeedAsync(Npgsql.NpgsqlDataSource db, CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(configuration.GetValue("Dashboard:FeedMilliseconds", 500));
        ReadHorizon? horizon = null;
        long position = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                var now = await tables.ObserveAsync(connection, stoppingToken);
                if (horizon is null)
                {
                    (horizon, position) = (new ReadHorizon(now.Highest), now.Highest);
                }
                var safe = horizon.Advance(now);
                while (position < safe)
                {
                    var changes = await tables.ReadChangedStreamsAsync(connection, position, safe, BatchSize, stoppingToken);
                    position = changes.Count < BatchSize ? safe : changes[^1].Sequence;
                    // Someone waiting at a tablet is told to staff wherever they are, once per event.
                    foreach (var change in changes)
                    {
                        if (AlertKinds.GetValueOrDefault(change.Type) is not { } kind) continue;
                        foreach (var notifier in notifiers) await notifier.NotifyAsync(new StaffAlert(change.ClinicId, change.StreamId, kind), stoppingToken);
                    }
                    // One message per consent per round, however many of its events arrived.
                    foreach (var change in changes.GroupBy(c => (c.ClinicId, c.StreamId)).Select(g => g.Last()))
                    {
                        await hub.Clients.Group(DashboardHub.GroupOf(change.ClinicId)).SendAsync("changed", change.StreamId, change.Type, change.Sequence, stoppingToken);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                FeedFailed(log, ex.GetType().Name);
            }
            await Task.Delay(interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Stored event types (Marten's names) that someone at a tablet waits on, and the alert's kind.</summary>
    private static readonly Dictionary<string, string> AlertKinds = new(StringComparer.Ordinal)
    {
        ["question_raised"] = "question",
        ["patient_identity_rejected"] = "identity",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard feed round failed ({Error}); retrying")]
    private static partial void FeedFailed(ILogger logger, string error);
}
