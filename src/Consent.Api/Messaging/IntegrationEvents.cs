using System.Security.Cryptography;
using System.Text;
using Consent.Api.Consents;
using Consent.Api.Consents.Storage;
using Consent.Api.Gate;
using Consent.Workflows.Runtime;
using Contracts = Consent.Contracts;

namespace Consent.Api.Messaging;

/// <summary>A message for the broker and the id it is published under.</summary>
public sealed record Outgoing(Guid MessageId, object Message)
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>The message as JSON (camelCase): the bytes its signature covers and catch-up returns.</summary>
    public byte[] Payload() => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Message, Message.GetType(), Json);
}

/// <summary>A message ready for the broker: its clinic, its JSON exactly as signed, and the signature (a compact JWS).</summary>
public sealed record SignedMessage(string ClinicId, Outgoing Outgoing, byte[] Payload, string Signature)
{
    /// <summary>When its event was stored, for the relay's lag.</summary>
    public DateTimeOffset? StoredAt { get; init; }

    /// <summary>The trace context its event was stored under; the publish continues that trace.</summary>
    public string? TraceParent { get; init; }

    /// <summary>The gate's ledger entry when this is a gate change (see <see cref="GateChanges"/>), else null.</summary>
    public GateChangeRecord? GateChange => Outgoing.Message is Contracts.SchedulingGateChanged change
        ? new GateChangeRecord(change.Sequence, ClinicId, Outgoing.MessageId, System.Text.Encoding.UTF8.GetString(Payload), Signature)
        : null;
}

/// <summary>
/// Turns one stored consent event into the integration events it means, pure. The message id is the stored
/// event's id (or, for the gate message, an id derived from it), so a message published again after a crash is
/// recognisably the same message.
/// </summary>
public static class IntegrationEvents
{
    /// <param name="after">The consent as it stood right after <paramref name="e"/>.</param>
    /// <param name="gate">The gate's answer for the consent's patient and procedure right after <paramref name="e"/>.</param>
    public static IReadOnlyList<Outgoing> From(StoredEvent e, ConsentRecord after, GateAnswer gate)
    {
        // Only the events that change the gate publish anything; most (steps read, risks acknowledged) do not.
        if (!GateRules.Changes(e.Data)) return [];
        var id = e.Id.ToString();
        var (consent, clinic, patient, procedure, at) = (after.Id, e.ClinicId, after.PatientId, after.ProcedureCode, e.Data.At);
        var messages = new List<Outgoing>(2);
        object? message = e.Data switch
        {
            ConsentGranted g => new Contracts.ConsentGranted(id, consent, clinic, patient, procedure, at,
                after.Runtime.WorkflowId, after.Runtime.WorkflowVersion,
                after.Runtime.Choices.ToDictionary(), after.Runtime.Provisions.ToDictionary(), g.ValidFrom, g.ValidUntil),
            ConsentDeclined => new Contracts.ConsentDeclined(id, consent, clinic, patient, procedure, at),
            ConsentWithdrawn w => new Contracts.ConsentWithdrawn(id, consent, clinic, patient, procedure, at, w.ReasonCode),
            ConsentExpired => new Contracts.ConsentExpired(id, consent, clinic, patient, procedure, at),
            ConsentSuperseded s => new Contracts.ReconsentRequired(id, consent, clinic, patient, procedure, at,
                after.Runtime.WorkflowId, after.Runtime.WorkflowVersion, s.ToVersion, [.. s.ChangedSections]),
            _ => null,
        };
        if (message is not null) messages.Add(new Outgoing(e.Id, message));
        messages.Add(GateChanged(e, after, gate));
        return messages;
    }

    /// <summary>
    /// For an event whose stored history does not verify: no message of its own, only a gate change that closes the
    /// gate for its patient and procedure (<c>integrity_error</c>) until someone has looked.
    /// </summary>
    public static IReadOnlyList<Outgoing> IntegrityFailure(StoredEvent e, ConsentRecord after) =>
        [GateChanged(e, after, new GateAnswer(false, Contracts.GateReasons.IntegrityError, after.Id, null, null))];

    private static Outgoing GateChanged(StoredEvent e, ConsentRecord after, GateAnswer gate)
    {
        var gateId = GateMessageId(e.Id);
        return new Outgoing(gateId, new Contracts.SchedulingGateChanged(
            gateId.ToString(), gate.ConsentId ?? after.Id, e.ClinicId, after.PatientId, after.ProcedureCode, e.Data.At,
            gate.Allowed, gate.Reason, gate.ValidFrom, gate.ValidUntil, e.Sequence));
    }

    /// <summary>The gate message's id: fixed for a stored event, and never equal to the event's own id.</summary>
    public static Guid GateMessageId(Guid eventId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("scheduling-gate|" + eventId.ToString("N")));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
