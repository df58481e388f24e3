using Consent.Api.Consents.Storage;
using Marten;

namespace Consent.Api.Consents;

/// <summary>
/// Keeps idempotent responses for <c>Idempotency:Retention</c> (24 hours unless set), then deletes them: each holds a
/// whole consent view, patient data included, and kept forever they were half of a demo database (74 of 143 MB). A
/// tablet retries within seconds, so a day is generous. The purge runs every <c>Idempotency:PurgeIntervalMinutes</c>
/// in batches of <c>Idempotency:PurgeBatchSize</c> rows with <c>Idempotency:PurgePauseMilliseconds</c> between them,
/// so that each batch is a short transaction and the steps' writes are never queued behind a long one.
/// </summary>
public sealed partial class IdempotencyRetention(MartenTables tables, ClinicDatabases databases, ConsentMetrics metrics, IConfiguration configuration, ILogger<IdempotencyRetention> log)
    : BackgroundService
{
    private readonly TimeSpan _retention = configuration.GetValue("Idempotency:Retention", TimeSpan.FromHours(24));
    private readonly int _batch = Math.Max(1, configuration.GetValue("Idempotency:PurgeBatchSize", 500));
    private readonly TimeSpan _pause = TimeSpan.FromMilliseconds(configuration.GetValue("Idempotency:PurgePauseMilliseconds", 200));
    private readonly TimeSpan _interval = TimeSpan.FromMinutes(configuration.GetValue("Idempotency:PurgeIntervalMinutes", 5.0));

    /// <summary>Deletes every response older than the retention, a batch at a time; returns how many went.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var total = 0;
        foreach (var database in databases.All) total += await PurgeAsync(database, ct);
        return total;
    }

    private async Task<int> PurgeAsync(ClinicDatabase database, CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            var deleted = await tables.DeleteIdempotentResponsesAsync(database, _retention, _batch, ct);
            total += deleted;
            if (deleted > 0) metrics.Purged(deleted);
            if (deleted < _batch) return total;
            await Task.Delay(_pause, ct);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Idempotency:PurgeEnabled", true)) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            // After the interval, not at once: a starting instance has better things to do than delete old rows.
            await Task.Delay(_interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            if (stoppingToken.IsCancellationRequested) return;
            try
            {
                var purged = await PurgeAsync(stoppingToken);
                if (purged > 0) Purged(log, purged, _retention.TotalHours);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database may be away; the next round starts over.
                PurgeFailed(log, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} idempotent responses older than {Hours} hours")]
    private static partial void Purged(ILogger logger, int count, double hours);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging old idempotent responses failed ({Error})")]
    private static partial void PurgeFailed(ILogger logger, string error);
}

public static class IdempotencyRetentionSetup
{
    /// <summary>The purge and the index it reads (Marten's last-modified column of the responses' table).</summary>
    public static IServiceCollection AddIdempotencyRetention(this IServiceCollection services)
    {
        services.ConfigureMarten(options => options.Schema.For<IdempotentResponse>().IndexLastModified());
        services.AddSingleton<IdempotencyRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<IdempotencyRetention>());
        return services;
    }
}
