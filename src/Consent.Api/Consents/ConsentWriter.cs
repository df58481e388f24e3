using System.Diagnostics;
using System.Text.Json;
using Consent.Api.Consents.Storage;
using Consent.Api.Signing;
using Consent.Api.Workflows;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;
using Marten;
using Marten.Patching;

namespace Consent.Api.Consents;

/// <summary>
/// The one write path of a consent, whoever asks: load the stored record, check the caller's scope and version,
/// decide with the pure <see cref="ConsentChange"/>, append the events with their place in the chain, and keep what
/// follows from them (the tablet link's stored session, a drawn signature, the idempotent answer) in the same
/// transaction.
/// </summary>
public sealed partial class ConsentWriter(
    IDocumentStore store, ClinicDatabases databases, PublishedWorkflows workflows, TabletSessionCache tablets, ServiceSigner signer, TimeProvider clock,
    ILogger<ConsentWriter> log, ConsentMetrics metrics)
{
    public async Task<WriteOutcome> WriteAsync(ConsentWrite write, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        WriteOutcome outcome;
        try
        {
            outcome = await StoreAsync(write, ct);
        }
        catch
        {
            metrics.Written(write.Change, "error", null, Stopwatch.GetElapsedTime(started));
            throw;
        }
        var stepType = write.Change is AnswerStep step ? outcome.Definition?.FindStep(step.StepId)?.Type : null;
        metrics.Written(write.Change, outcome.Status, stepType, Stopwatch.GetElapsedTime(started));
        return outcome;
    }

    private async Task<WriteOutcome> StoreAsync(ConsentWrite write, CancellationToken ct)
    {
        await using var connection = await PreparedWrites.OpenAsync(databases, write.Clinic, ct);
        try
        {
            return await StoreOnAsync(connection, write, ct);
        }
        catch (Exception ex)
        {
            // A broken connection is an outage (503, send it again with the same Idempotency-Key), whatever error its
            // break left behind.
            if (PreparedWrites.Broke(connection)) throw new Hosting.DatabaseConnectionLostException(ex);
            PreparedWrites.ForgetPrepared(connection);
            if (!ConsentStreams.IsLostRace(ex)) throw;
            WriteConflict(log, ex.GetType().Name, ex.Message);
            return await LostRaceAsync(write, ct);
        }
    }

    /// <summary>Only saving can lose a race (the stream's version, a document's key); the caller answers that.</summary>
    private async Task<WriteOutcome> StoreOnAsync(Npgsql.NpgsqlConnection connection, ConsentWrite write, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var session = PreparedWrites.Session(store, transaction, write.Clinic);
        // The request's trace context goes into the events' correlation id (Marten's column, outside the hash chain):
        // the relay publishes them later, from the table, as part of the same trace.
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity) session.CorrelationId = activity.Id;
        if (write.Idempotency is { } key && await session.LoadAsync<IdempotentResponse>(key.Id, ct) is { } earlier) return Replay(earlier, key);

        var record = await ConsentStreams.LoadAsync(session, write.ConsentId, ct) ?? ConsentRecord.None;
        if (Refusal(write, record) is { } refusal) return refusal;
        if (write.ExpectedVersion is { } expected && expected != record.Version) return new WriteOutcome(WriteStatus.Stale) { CurrentVersion = record.Version };
        if ((write.Change.Definition ?? workflows.Find(record.ClinicId, record.Runtime.WorkflowId, record.Runtime.WorkflowVersion)) is not { } definition)
        {
            return new WriteOutcome(WriteStatus.WorkflowGone) { After = record };
        }

        var now = clock.GetUtcNow();
        var decision = write.Change.Decide(record, definition, now);
        if (decision.Rejection is { } rejection) return new WriteOutcome(WriteStatus.Rejected) { Rejection = rejection, After = record, Definition = definition };
        if (decision.Events.IsDefaultOrEmpty && write.Idempotency is null) return new WriteOutcome(WriteStatus.Done) { After = record, Definition = definition };

        var after = ConsentStreams.Append(session, record, write.Actor, decision.Events, write.ConsentId, signer);
        var ended = KeepWhatFollows(session, write, record, after, decision, now);
        if (write.Idempotency is { } idempotency)
        {
            session.Insert(new IdempotentResponse
            {
                Id = idempotency.Id, RequestSha256 = idempotency.RequestSha256, StatusCode = 200,
                Body = JsonSerializer.Serialize(ConsentView.From(after, definition), JsonSerializerOptions.Web), ETag = $"\"{after.Version}\"", At = now,
            });
        }
        await session.SaveChangesAsync(ct);
        // The links ended here stop at once on this instance too; other instances keep a link at most a few seconds,
        // and every consent request checks the consent's current link itself.
        foreach (var hash in ended) tablets.Forget(hash);
        return new WriteOutcome(WriteStatus.Done) { After = after, Definition = definition, Changed = !decision.Events.IsDefaultOrEmpty };
    }

    private static WriteOutcome? Refusal(ConsentWrite write, ConsentRecord record)
    {
        if (write.Change.Creates) return record.Exists ? new WriteOutcome(WriteStatus.LostRace) : null;
        if (record.Exists && (write.Tablet is not { } tablet || tablet.Allows(record))) return null;
        // Only the consent a tablet was issued for exists for that tablet, and only while its link is current.
        return record.Exists && write.Tablet?.ConsentId == record.Id ? new WriteOutcome(WriteStatus.TabletLinkEnded) : new WriteOutcome(WriteStatus.NotFound);
    }

    /// <summary>
    /// The documents that follow from the events: a new link's stored session, the end of the link that was current
    /// (replaced, revoked, or the consent ended), and the drawn image a signature event hashes. Returns the ended links.
    /// </summary>
    private static List<string> KeepWhatFollows(IDocumentSession session, ConsentWrite write, ConsentRecord before, ConsentRecord after, Decision decision, DateTimeOffset now)
    {
        foreach (var issued in decision.Events.OfType<TabletLinkIssued>())
        {
            session.Store(new TabletSession { Id = issued.TokenSha256, ConsentId = write.ConsentId, ClinicId = write.Clinic, ExpiresAt = issued.ExpiresAt });
        }
        var ended = new List<string>();
        var finished = after.Runtime.Status.IsFinal();
        if (before.TabletTokenSha256 is { } old && (after.TabletTokenSha256 != old || finished))
        {
            session.Patch<TabletSession>(old).Set(t => t.RevokedAt, now);
            session.Patch<TabletSession>(old).Set(t => t.RevokedReason, finished ? after.Runtime.Status.ToContract() : "replaced");
            ended.Add(old);
        }
        if (decision.Events.OfType<ConsentSigned>().LastOrDefault() is { } signed && write.Change.Image is { } image)
        {
            session.Store(new SignatureImage { Id = signed.SignatureSha256, ConsentId = write.ConsentId, PngBase64 = Convert.ToBase64String(image.Png) });
        }
        return ended;
    }

    private static WriteOutcome Replay(IdempotentResponse earlier, IdempotencyKey key) =>
        earlier.RequestSha256 == key.RequestSha256 ? new WriteOutcome(WriteStatus.Replayed) { Earlier = earlier } : new WriteOutcome(WriteStatus.KeyReused);

    // Another writer appended first. If it was this same request retried, answer as it was answered.
    private async Task<WriteOutcome> LostRaceAsync(ConsentWrite write, CancellationToken ct)
    {
        await using var session = store.LightweightSession(write.Clinic);
        if (write.Idempotency is { } key && await session.LoadAsync<IdempotentResponse>(key.Id, ct) is { } earlier) return Replay(earlier, key);
        var current = await ConsentStreams.LoadAsync(session, write.ConsentId, ct);
        return new WriteOutcome(WriteStatus.LostRace) { CurrentStepId = current?.Runtime.CurrentStepId, CurrentVersion = current?.Version ?? 0 };
    }

    // The consent id is random and the message names no patient data.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Write conflict on a consent: {Kind}: {Detail}")]
    private static partial void WriteConflict(ILogger logger, string kind, string detail);
}
