using Consent.Api.Consents.Storage;
using Consent.Api.Hosting;
using Consent.Api.Signing;
using Marten;

namespace Consent.Api.Consents.Integrity;

/// <summary>
/// The one check of a consent's stored history, used by <c>verify</c> and by the clinic move (which checks every moved
/// consent in its new database): the chain recomputed from the rows as PostgreSQL holds them, not from anything the
/// service cached; the service's signature over the stream's head (a chain recomputed by someone with database access
/// fails there); and the signed checkpoints (a stream shorter than a checkpoint remembers it was truncated).
/// </summary>
public static class ChainVerification
{
    /// <summary>The check (what <c>verify</c> answers) of <paramref name="consentId"/> in <paramref name="clinic"/>'s database, or null when it has no such consent.</summary>
    public static async Task<ChainCheck?> CheckAsync(
        MartenTables tables, IDocumentStore store, SigningKeyRing keys, HeadCheckpoints checkpoints, string clinic, string consentId, CancellationToken ct)
    {
        if (await tables.ReadChainAsync(clinic, consentId, ct) is not { } chain) return null;
        await using var session = store.QuerySession(clinic);
        var broken = EventChain.FirstBroken(chain.Links, chain.RecordedVersion);
        var folded = await ConsentStreams.ReplayAsync(session, consentId, ct);
        var signed = broken is null && folded is not null && chain.Links.Count > 0
            && SignedHeads.Holds(chain.Links[^1].HeadSignature, clinic, folded with { LastHash = chain.Links[^1].Hash }, keys.PublishedKeys);
        var truncated = checkpoints.CheckpointedVersion(clinic, consentId) is { } reached && reached > chain.RecordedVersion;
        return new ChainCheck(broken is null && signed && !truncated, chain.Links.Count, broken ?? (signed && !truncated ? null : chain.RecordedVersion), signed, truncated);
    }
}
