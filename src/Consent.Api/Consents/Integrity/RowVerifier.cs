using System.Diagnostics.Metrics;
using Consent.Api.Signing;
using Marten;

namespace Consent.Api.Consents.Integrity;

/// <summary>
/// Re-folds consents from their events and compares each with its stored row and signed head: every consent once after
/// start, then a rolling sample (<c>Integrity:SampleSize</c> every <c>Integrity:SampleMinutes</c>). The consents are
/// taken from the event streams, so a consent whose row was deleted is found too. A row that does not
/// match its events (edited or deleted in the database) is reported in the log and the <c>consent.integrity.rows_mismatched</c>
/// counter; the gate already refuses to believe such a row (see <see cref="SignedHeads"/>).
/// </summary>
public sealed partial class RowVerifier(IDocumentStore store, Storage.ClinicDatabases databases, Storage.MartenTables tables, SigningKeyRing keys, IConfiguration configuration, ILogger<RowVerifier> log, IMeterFactory meters)
    : BackgroundService
{
    private readonly Counter<long> _checked = meters.Create("Consent").CreateCounter<long>("consent.integrity.rows_checked");
    private readonly Counter<long> _mismatched = meters.Create("Consent").CreateCounter<long>("consent.integrity.rows_mismatched");

    /// <summary>One round: every consent (<paramref name="sample"/> null) or a random sample of that many; how many were checked and which do not match.</summary>
    public async Task<(int Checked, IReadOnlyList<string> Mismatched)> VerifyRoundAsync(int? sample, CancellationToken ct)
    {
        var ids = await StreamsAsync(sample, ct);
        return (ids.Count, await VerifyAsync(ids, ct));
    }

    /// <summary>Checks the consents whose ids <paramref name="ids"/> yields (all when null); returns those whose row does not match.</summary>
    public async Task<IReadOnlyList<string>> VerifyAsync(IReadOnlyList<(string Clinic, string Id)>? ids, CancellationToken ct)
    {
        ids ??= await StreamsAsync(null, ct);
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

    /// <summary>Every consent stream of every database (one unless clinics are spread over several), or at most <paramref name="sample"/> of them at random.</summary>
    private async Task<IReadOnlyList<(string, string)>> StreamsAsync(int? sample, CancellationToken ct)
    {
        var all = new List<(string, string)>();
        foreach (var database in databases.All)
        {
            all.AddRange(sample is { } size
                ? await tables.SampleStreamsAsync(database, size, ct)
                : (await tables.ReadStreamVersionsAsync(database, ct)).Select(s => (s.ClinicId, s.StreamId)));
        }
        return sample is { } n && all.Count > n ? [.. all.OrderBy(_ => Random.Shared.Next()).Take(n)] : all;
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
                var (count, bad) = await VerifyRoundAsync(first ? null : sampleSize, stoppingToken);
                Verified(log, count, bad.Count);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Row verification: {Count} consents checked, {Mismatched} do not match")]
    private static partial void Verified(ILogger logger, int count, int mismatched);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Row verification round failed ({Error})")]
    private static partial void VerifyFailed(ILogger logger, string error);
}
