using Consent.Api.Consents.Integrity;
using Consent.Api.Signing;
using Consent.Workflows.Runtime;
using JasperFx;
using JasperFx.Events;
using Marten;
using Consent.Api.Auditing;

namespace Consent.Api.Consents;

/// <summary>
/// A consent's event stream: read its record, fold it, append new events at the expected version with each event's
/// place in the tamper-evident chain. Marten's stream version check makes concurrent writers safe. Only
/// <see cref="ConsentWriter"/> appends.
/// </summary>
public static class ConsentStreams
{
    public const string HashHeader = "hash";
    public const string PrevHashHeader = "prevHash";

    /// <summary>The chain hash a stored event carries in its headers.</summary>
    public static string? HashOf(IEvent e) => e.Headers?.GetValueOrDefault(HashHeader)?.ToString();

    /// <summary>
    /// The consent as of its last stored event, read from its projection row (one row, not the whole stream). The
    /// row is written in the same transaction as the events, and the append still checks the stream version, so a
    /// stale read can only lose a race, never write over one.
    /// </summary>
    public static async Task<ConsentRecord?> LoadAsync(IQuerySession session, string id, CancellationToken ct) =>
        (await session.LoadAsync<ConsentSummary>(id, ct))?.Record;

    /// <summary>The consent folded from its stored events: the source of truth the projection is checked against.</summary>
    public static async Task<ConsentRecord?> ReplayAsync(IQuerySession session, string id, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(id, token: ct);
        return events.Count == 0 ? null : ConsentRecord.Fold(events);
    }

    /// <summary>Appends <paramref name="events"/> after <paramref name="record"/>'s version; returns the record they make.</summary>
    internal static ConsentRecord Append(IDocumentSession session, ConsentRecord record, Actor actor, IReadOnlyList<ConsentEvent> events, string streamId, ServiceSigner signer)
    {
        if (events.Count == 0) return record;
        var action = record.Exists
            ? session.Events.Append(streamId, record.Version + events.Count, events.Cast<object>().ToArray())
            : session.Events.StartStream(streamId, events.Cast<object>().ToArray());
        var serializer = session.DocumentStore.Options.Serializer();
        var prev = record.LastHash;
        var seq = record.Version;
        for (var i = 0; i < events.Count; i++)
        {
            var stored = action.Events[i];
            var metadata = actor.Metadata(events[i].At);
            var hash = EventChain.Hash(prev, ++seq, stored.EventTypeName, serializer.ToJson(events[i]), metadata);
            foreach (var (key, value) in metadata) stored.SetHeader(key, value);
            stored.SetHeader(PrevHashHeader, prev);
            stored.SetHeader(HashHeader, hash);
            prev = hash;
            record = record.Apply(events[i], hash);
            var digest = SignedHeads.GateDigest(record.PatientId, record.ProcedureCode, record.Runtime);
            stored.SetHeader(SignedHeads.Header, signer.SignDetached(SignedHeads.Payload(session.TenantId, streamId, seq, hash, digest), SignedHeads.Type));
        }
        return record;
    }

    /// <summary>Another writer appended to the stream first: the loser's transaction stored nothing.</summary>
    public static bool IsLostRace(Exception ex) =>
        ex is ConcurrencyException or EventStreamUnexpectedMaxEventIdException or DocumentAlreadyExistsException or Marten.Exceptions.ExistingStreamIdCollisionException;
}
