using System.Diagnostics.Metrics;
using Consent.Api.Consents;
using Consent.Api.Consents.Storage;
using Consent.Api.Gate;
using Consent.Api.Signing;
using Consent.Contracts.Signatures;
using Marten;
using Npgsql;

namespace Consent.Api.Messaging;

/// <summary>
/// Publishes integration events derived from the stored consent events, in stored order, to RabbitMQ with
/// publisher confirms. Its position is a row in PostgreSQL, moved only after the broker confirmed everything up to
/// it: a consent is stored first and published after, so there is no window where an event is lost (a crash
/// means some messages go out again, with the same message id) or where a message tells of something not stored.
/// One service instance relays at a time (a PostgreSQL advisory lock); the others wait to take over. With clinics spread
/// over databases (<see cref="ClinicDatabases"/>) each database has its own relay loop, leader lock and position, side by side.
/// </summary>
public sealed partial class EventRelay(
    IDocumentStore store, ClinicDatabases databases, MartenTables tables, GateReader gate, GateChanges gateChanges, ServiceSigner signer, SigningKeyRing keys, ConsentPublisher publisher,
    IConfiguration configuration, ILogger<EventRelay> logger, IMeterFactory meters, RelayTelemetry telemetry) : BackgroundService
{
    public const string Consumer = "rabbitmq";
    private const int BatchSize = 200;
    private const int PublishChunk = 16;

    private readonly Counter<long> _published = meters.Create("Consent").CreateCounter<long>("consent.events.published");
    private readonly Counter<long> _integrityFailures = meters.Create("Consent").CreateCounter<long>("consent.relay.integrity_failures");
    private readonly TimeSpan _poll = TimeSpan.FromMilliseconds(configuration.GetValue("Relay:PollMilliseconds", 20));

    private string Schema => store.Options.Events.DatabaseSchemaName;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Relay:Enabled", true)) return;
        // Let the host finish starting (Marten creates its tables) before the first read.
        await Task.Yield();
        await Task.WhenAll(databases.All.Select(database => RelayAsync(database, stoppingToken)));
    }

    private async Task RelayAsync(ClinicDatabase database, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await LeadAsync(database, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                telemetry.NotRelaying(database.Name);
                // PostgreSQL or RabbitMQ is away; nothing moved past what the broker confirmed, so start over later.
                RelayPaused(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task LeadAsync(ClinicDatabase database, CancellationToken ct)
    {
        // Advisory locks are per database: each database's relay has its own leader.
        await using var connection = await database.Sessions.OpenConnectionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand("select pg_try_advisory_lock(hashtext($1))", connection))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"consent-relay:{Schema}:{Consumer}" });
            if (!(bool)(await lockCommand.ExecuteScalarAsync(ct))!)
            {
                telemetry.NotRelaying(database.Name);
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
                return;
            }
        }
        var position = await RelayPositions.LoadAsync(connection, Schema, Consumer, ct);
        var horizon = new ReadHorizon(position);
        while (!ct.IsCancellationRequested)
        {
            var observed = await tables.ObserveAsync(connection, ct);
            telemetry.Behind(database.Name, observed.Highest, position);
            var safe = horizon.Advance(observed);
            if (safe <= position)
            {
                await Task.Delay(_poll, ct);
                continue;
            }
            // Only the event types that publish anything are read; the position still moves over all the others.
            var batch = await tables.ReadEventsAsync(connection, position, safe, GateRules.ChangingTypeNames, BatchSize, ct);
            // A few events at a time, in order: a chunk's events are read side by side and its gate changes recorded in one
            // statement, and the next chunk is read while this one's messages wait for the broker. Messages about different
            // patients and procedures are published side by side (their confirmations pipelined); those about one patient
            // and procedure go out one after another, each confirmed before the next, so a subscriber sees them in order.
            // The position moves only once every message of the batch is confirmed.
            var chunks = batch.Events.Chunk(PublishChunk).ToList();
            var next = chunks.Count > 0 ? SignedMessagesAsync(chunks[0], ct) : Task.FromResult(new List<(string Key, SignedMessage Message)>());
            var publishing = new List<Task>();
            var lastOfKey = new Dictionary<string, Task>(StringComparer.Ordinal);
            try
            {
                for (var i = 0; i < chunks.Count; i++)
                {
                    var messages = await next;
                    if (i + 1 < chunks.Count) next = SignedMessagesAsync(chunks[i + 1], ct);
                    await gateChanges.RecordAsync(database, [.. messages.Select(m => m.Message.GateChange).OfType<GateChangeRecord>()], ct);
                    foreach (var (key, message) in messages)
                    {
                        var publish = PublishAfterAsync(lastOfKey.GetValueOrDefault(key) ?? Task.CompletedTask, database, message, ct);
                        lastOfKey[key] = publish;
                        publishing.Add(publish);
                    }
                }
                await Task.WhenAll(publishing);
            }
            finally
            {
                // A failure leaves the next chunk's read and other publishes running: let them end before the relay starts over.
                await Task.WhenAll([.. publishing, next]).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
            position = batch.Complete ? safe : batch.Events[^1].Sequence;
            await RelayPositions.SaveAsync(connection, Schema, Consumer, position, ct);
        }
    }

    /// <summary>A chunk's messages in stored order, each with the patient and procedure it is about (its order key); read side by side.</summary>
    private async Task<List<(string Key, SignedMessage Message)>> SignedMessagesAsync(StoredEvent[] events, CancellationToken ct)
    {
        var perEvent = await Task.WhenAll(events.Select(e => SignedMessagesAsync(e, ct)));
        return [.. perEvent.SelectMany(m => m.Messages.Select(message => (m.Key, message)))];
    }

    private async Task PublishAfterAsync(Task before, ClinicDatabase database, SignedMessage message, CancellationToken ct)
    {
        await before;
        // One publish span per message, child of the step that stored its event (the trace runs from tablet to broker).
        using (RelayTelemetry.StartPublish(message))
        {
            await publisher.PublishAsync(message.Outgoing, message.ClinicId, message.Signature, ct);
        }
        _published.Add(1);
        telemetry.Published(database.Name, message);
    }

    /// <summary>What <paramref name="e"/> publishes, as of <paramref name="e"/>, each message signed.</summary>
    private async Task<(string Key, IReadOnlyList<SignedMessage> Messages)> SignedMessagesAsync(StoredEvent e, CancellationToken ct)
    {
        var (history, chain) = await tables.ReadKeyHistoryAsync(e.ClinicId, e.StreamId, e.Sequence, ct);
        var consents = GateAsOf.Consents(history);
        var after = consents.GetValueOrDefault(e.StreamId) ?? ConsentRecord.None;
        var key = $"{e.ClinicId}\n{after.PatientId}\n{after.ProcedureCode}";
        IReadOnlyList<Outgoing> messages;
        if (GateAsOf.ChainHolds(e, chain) && after.Version == e.Version && GateAsOf.HeadSigned(e, after, chain, keys.PublishedKeys))
        {
            var answer = GateRules.Evaluate(consents.Values.Where(c => c.Exists).Select(c => gate.Candidate(c.Id, c.Runtime)), e.Data.At);
            messages = IntegrationEvents.From(e, after, answer);
        }
        else
        {
            // The stored history does not verify: its own message is not sent, and subscribers are told to close the gate.
            _integrityFailures.Add(1);
            ChainBroken(logger, e.StreamId, e.Version);
            if (after.PatientId.Length == 0) return (key, []);
            messages = IntegrationEvents.IntegrityFailure(e, after);
        }
        // Signed with a key PostgreSQL never holds: a subscriber can tell our messages from anyone else's on the broker.
        return (key, [.. messages.Select(outgoing =>
        {
            var payload = outgoing.Payload();
            return new SignedMessage(e.ClinicId, outgoing, payload, signer.Sign(payload, Jws.EventMessageType)) { StoredAt = e.StoredAt, TraceParent = e.TraceParent };
        })]);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "ALERT: the stored hash chain of consent {ConsentId} does not verify up to event {Version}: its event was not published and subscribers were told to close the gate (integrity_error)")]
    private static partial void ChainBroken(ILogger logger, string consentId, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event relay paused; it resumes from its stored position")]
    private static partial void RelayPaused(ILogger logger, Exception exception);
}
