using Consent.Workflows.Runtime;
using Marten;
using Consent.Api.Consents;
using Consent.Api.Auditing;

namespace Consent.Api.Consents.Timers;

/// <summary>
/// The clock's side of every consent: end of cooling-off, expiry after validUntil, reminders for unfinished
/// consents. Any number of service instances may run it at once: each firing is an append at the stream's
/// version, so for one timer exactly one instance wins and the others find nothing left to do.
/// </summary>
public sealed partial class ConsentTimers(
    IDocumentStore store, Storage.ClinicDatabases databases, ConsentWriter writer, TimeProvider clock, IConfiguration configuration, ILogger<ConsentTimers> log, ConsentMetrics metrics)
    : BackgroundService
{
    private static readonly Actor System = Actor.Service("timers");

    /// <summary>Fires every timer due now; returns how many consents changed.</summary>
    public async Task<int> RunDueAsync(CancellationToken ct)
    {
        try
        {
            var changed = await FireDueAsync(ct);
            metrics.TimerRound(succeeded: true, changed);
            return changed;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            metrics.TimerRound(succeeded: false, 0);
            throw;
        }
    }

    private async Task<int> FireDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var changed = 0;
        // Each database's timers in turn (one database unless clinics are spread over several); the write goes by clinic.
        foreach (var database in databases.All)
        {
            IReadOnlyList<ConsentSummary> due;
            await using (var query = await databases.QuerySessionAsync(store, database))
            {
                due = await query.Query<ConsentSummary>().Where(s => s.AnyTenant() && s.DueAt != null && s.DueAt <= now)
                    .OrderBy(s => s.DueAt).Take(500).ToListAsync(ct);
            }
            foreach (var summary in due)
            {
                if (await FireAsync(summary.Record.ClinicId, summary.Id, now, ct)) changed++;
            }
        }
        return changed;
    }

    // Another instance, or a person, may change the consent first; then this round does nothing and the next sees it.
    private async Task<bool> FireAsync(string clinic, string id, DateTimeOffset now, CancellationToken ct) =>
        (await writer.WriteAsync(new ConsentWrite(clinic, id, System, new RuntimeChange(new Tick())), ct)).Changed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Timers:Enabled", true)) return;
        var interval = TimeSpan.FromSeconds(configuration.GetValue("Timers:IntervalSeconds", 15));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var changed = await RunDueAsync(stoppingToken);
                if (changed > 0) Changed(log, changed);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database may be down for a while; the timers resume when it returns.
                RoundFailed(log, ex);
            }
            await Task.Delay(interval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Timers changed {Count} consents")]
    private static partial void Changed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Timer round failed")]
    private static partial void RoundFailed(ILogger logger, Exception exception);
}
