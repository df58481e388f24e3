using System.Text.Json;

namespace Consent.Api.Hosting;

// Shapes the handlers write as anonymous objects, named here so the document can describe them.
// OpenApiDocumentTests checks real responses against the served schemas, so these cannot drift unnoticed.

/// <summary>One stored event with its place in the consent's hash chain.</summary>
public sealed record HistoryEntry(long Seq, string Type, DateTimeOffset At, HistoryActor Actor, JsonElement Data, string? PrevHash, string? Hash);

/// <summary>Who caused an event: token subject and role, and the device it came from.</summary>
public sealed record HistoryActor(string? Sub, string? Role, string? Device);

/// <summary>
/// The hash chain recomputed from storage; <c>brokenAtSeq</c> is the first event that does not verify (the last one when
/// only the head's signature fails); <c>headSigned</c>: the service's signature over the stream's head holds;
/// <c>truncated</c>: a signed checkpoint kept outside the database saw this stream longer than it is now.
/// </summary>
public sealed record ChainCheck(bool Valid, int Events, long? BrokenAtSeq, bool HeadSigned, bool Truncated);

/// <summary>What a subscriber has confirmed for a patient and procedure: the highest sequence, never lowered.</summary>
public sealed record GateAckConfirmation(string Subscriber, string PatientId, string ProcedureCode, long Sequence, DateTimeOffset ConfirmedAt);

/// <summary>The answer of /health/live and /health/ready: overall and per-dependency state.</summary>
public sealed record HealthView(string Status, IReadOnlyDictionary<string, string> Checks);

/// <summary>A registered gate subscriber of the caller's clinic.</summary>
public sealed record GateSubscriberView(string Name);

/// <summary>The caller's clinic's gate changes after <c>since</c>, in sequence order; pass <c>next</c> as the next <c>since</c>.</summary>
public sealed record GateChangesPage(IReadOnlyList<Contracts.SchedulingGateChanged> Items, long Next);

/// <summary>The public keys that sign records, events and chain heads (RFC 7517 JWKS).</summary>
public sealed record ConsentKeySet(IReadOnlyList<ConsentPublicKey> Keys);

/// <summary>One P-256 public key, by <c>kid</c>; retired keys stay listed so that old signatures still verify.</summary>
public sealed record ConsentPublicKey(string Kty, string Crv, string X, string Y, string Kid, string Use, string Alg);
