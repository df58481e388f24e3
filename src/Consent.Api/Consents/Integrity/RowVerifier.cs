using System.Diagnostics.Metrics;
using Consent.Api.Signing;
using Marten;

namespace Consent.Api.Consents.Integrity;

/// <summary>
/// Re-folds consents from their events and compares each with its stored row and signed head: every consent once after
/// start, then a rolling sample (<c>Integrity:SampleSize</c> every <c>Integrity:SampleMinutes</c>). A row that does not
/// match its events (edited in the database) is reported in the log and the <c>consent.integrity.rows_mismatched</c>
/// counter; the gate already refuses to believe such a row (see <see cref="SignedHeads"/>).
/// </summary>
public sealed partial class RowVerifier(IDocumentStore store, Storage.ClinicDatabases databases, SigningKeyRing keys, IConfiguration configuration, ILogger<RowVerifier> log, IMeterFactory meters)
    : BackgroundService
{
    private readonly Counter<long> _checked = meters.Create("Consent").CreateCounter<long>("consent.integrity.rows_checked");
    private readonly Counter<long> _mismatched = meters.Create("Consent").CreateCounter<long>("consent.integrity.rows_mismatched");

    /// <summary>Checks the consents whose ids <paramref name="ids"/> yields (all when null); returns those whose row does not match.</summary>
    public async Task<IReadOnlyList<string>> VerifyAsync(IReadOnlyList<(string Clinic, string Id)>? ids, CancellationToken ct)
    {
        ids ??= await AllAsync(ct);
        var mismatched = new List<string>();
        var serializer = store.Options.Serializer();
        foreach (var group in ids.GroupBy(i => i.Clinic))
        {
            await using var session = store.QuerySession(group.Key);
            foreach (var (clinic, id) in group)
            {
                var row = await ConsentStreams.LoadAsync(session, id, ct);
                var events = await session.Events.FetchStreamAsync(id, token: ct);
                var folded = ConsentRecord.Fold(events);
                var head = events.Count > 0 ? events[^1].Headers?.GetValueOrDefault(SignedHeads.Header)?.ToString() : null;
                _checked.Add(1);
                // The row as stored against the same fold of the events, compared as the store writes both.
                if (row is not null && folded.Exists && serializer.ToJson(row) == serializer.ToJson(folded)
                    && SignedHeads.Holds(head, clinic, folded, keys.PublishedKeys)) continue;
                _mismatched.Add(1);
                RowMismatch(log, id);
                mismatched.Add(id);
            }
        }
        return mismatched;
    }

    private async Task<IReadOnlyList<(string, string)>> AllAsync(CancellationToken ct, int? sample = null)
    {
        var all = new List<(string, string)>();
        // Every database's consents (one database unless clinics are spread over several).
        foreach (var database in databases.All)
        {
            await using var query = await databases.QuerySessionAsync(store, database);
            var rows = query.Query<ConsentSummary>().Where(s => s.AnyTenant());
            var picked = sample is { } size
                ? await rows.OrderBy(s => s.UpdatedAt).Select(s => new { s.Id, Clinic = s.Record.ClinicId }).ToListAsync(ct)
                : await rows.Select(s => new { s.Id, Clinic = s.Record.ClinicId }).ToListAsync(ct);
            all.AddRange(picked.Select(r => (r.Clinic, r.Id)));
        }
        return sample is { } n ? [.. all.OrderBy(_ => Random.Shared.Next()).Take(n)] : all;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Integrity:VerifyRows", true)) return;
        var interval = TimeSpan.FromMinutes(configuration.GetValue("Integrity:SampleMinutes", 10.0));
        var sampleSize = configuration.GetValue("Integrity:SampleSize", 200);
        await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var ids = first ? null : await AllAsync(stoppingToken, sampleSize);
                var bad = await VerifyAsync(ids, stoppingToken);
                Verified(log, ids?.Count ?? -1, bad.Count);
                first = false;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                VerifyFailed(log, ex.GetType().Name);
            }
            await Task.Delay(interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "ALERT: the stored row of consent {ConsentId} does not match its events and signed head")]
    private static partial void RowMismatch(ILogger logger, string consentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Row verification: {Count} consents checked (-1: all), {Mismatched} do not match")]
    private static partial void Verified(ILogger logger, int count, int mismatched);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Row verification round failed ({Error})")]
    private static partial void VerifyFailed(ILogger logger, string error);
}
