using Consent.Api.Consents;
using Consent.Api.Consents.Integrity;
using Consent.Api.Consents.Storage;

namespace Consent.Api.Messaging;

/// <summary>
/// What the gate answered right after one stored event, pure: every consent for the patient and procedure folded from
/// its own events up to that event's global position, so nothing that happened later (a new consent opened a
/// millisecond after a withdrawal, a relay hours behind) can change or hide it.
/// </summary>
public static class GateAsOf
{
    /// <summary>
    /// Each consent in <paramref name="history"/> (events of one patient and procedure, each stream in order) folded
    /// by the one fold, <see cref="ConsentRecord.Apply"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, ConsentRecord> Consents(IEnumerable<StoredEvent> history) =>
        history.GroupBy(e => e.StreamId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(e => e.Version).Aggregate(ConsentRecord.None, (record, e) => record.Apply(e.Data)), StringComparer.Ordinal);

    /// <summary>
    /// Whether the chain of <paramref name="e"/>'s consent holds from its first event up to <paramref name="e"/>: an
    /// event whose history was edited outside the service is never published as if it were true.
    /// </summary>
    public static bool ChainHolds(StoredEvent e, IReadOnlyList<EventChain.Link> chain) =>
        EventChain.FirstBroken(chain.Where(l => l.Seq <= e.Version), e.Version) is null;

    /// <summary>
    /// Whether <paramref name="e"/> carries the service's signature over its stream's head right after it (keyed with a
    /// key PostgreSQL never holds): a history rewritten with a recomputed chain still fails here.
    /// </summary>
    public static bool HeadSigned(StoredEvent e, ConsentRecord after, IReadOnlyList<EventChain.Link> chain, Contracts.Signatures.ConsentKeys keys) =>
        chain.FirstOrDefault(l => l.Seq == e.Version) is { } link
        && SignedHeads.Holds(link.HeadSignature, e.ClinicId, e.StreamId, e.Version, link.Hash, SignedHeads.GateDigest(after.PatientId, after.ProcedureCode, after.Runtime), keys);
}
