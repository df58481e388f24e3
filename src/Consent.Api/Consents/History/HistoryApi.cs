using Consent.Api.Auditing;
using Consent.Api.Auth;
using Consent.Api.Consents.Integrity;
using Consent.Api.Consents.Storage;
using Consent.Api.Hosting;
using Consent.Api.Signing;
using Consent.Workflows.Runtime;
using Marten;

namespace Consent.Api.Consents.History;

/// <summary>A consent's history with its place in the hash chain, and the chain recomputed from storage.</summary>
public static class HistoryApi
{
    public static RouteGroupBuilder MapHistory(this RouteGroupBuilder consents)
    {
        consents.MapGet("/{id}/history", History).RequireAuthorization(Policies.CoordinatorOrClinician).WithSummary("Every event with its place in the hash chain.")
            .WithName("getConsentHistory").Produces<HistoryEntry[]>().ProducesProblems(404);
        consents.MapGet("/{id}/verify", Verify).RequireAuthorization(Policies.CoordinatorOrClinician).WithSummary("Recompute the hash chain from storage.")
            .WithName("verifyConsentChain").Produces<ChainCheck>().ProducesProblems(404);
        return consents;
    }

    private static async Task<IResult> History(HttpContext http, string id, IDocumentStore store, TimeProvider clock)
    {
        await using var session = store.LightweightSession(ConsentResults.Clinic(http));
        var events = await session.Events.FetchStreamAsync(id, token: http.RequestAborted);
        if (events.Count == 0) return Problems.NotFound($"No consent '{id}'.");
        await AccessLog.RecordAsync(http, session, id, "history", clock);
        return Results.Ok(events.Select(e => new
        {
            seq = e.Version,
            type = e.EventTypeName,
            at = (e.Data as ConsentEvent)?.At ?? e.Timestamp,
            actor = new { sub = Header(e, "actor"), role = Header(e, "role"), device = Header(e, "device") },
            data = e.Data,
            prevHash = Header(e, ConsentStreams.PrevHashHeader),
            hash = Header(e, ConsentStreams.HashHeader),
        }));
    }

    private static string? Header(JasperFx.Events.IEvent e, string key) => e.Headers?.GetValueOrDefault(key)?.ToString();

    /// <summary>
    /// Recomputes the chain from the rows as PostgreSQL holds them, not from anything the service cached, and checks the
    /// service's signature over the stream's head: a chain recomputed by someone with database access fails there.
    /// </summary>
    private static async Task<IResult> Verify(HttpContext http, string id, MartenTables tables, IDocumentStore store, SigningKeyRing keys, HeadCheckpoints checkpoints, TimeProvider clock)
    {
        var clinic = ConsentResults.Clinic(http);
        if (await tables.ReadChainAsync(clinic, id, http.RequestAborted) is not { } chain) return Problems.NotFound($"No consent '{id}'.");
        await using var session = store.LightweightSession(clinic);
        await AccessLog.RecordAsync(http, session, id, "verify", clock);
        var broken = EventChain.FirstBroken(chain.Links, chain.RecordedVersion);
        var folded = await ConsentStreams.ReplayAsync(session, id, http.RequestAborted);
        var signed = broken is null && folded is not null && chain.Links.Count > 0
            && SignedHeads.Holds(chain.Links[^1].HeadSignature, clinic, folded with { LastHash = chain.Links[^1].Hash }, keys.PublishedKeys);
        // A stream shorter than a signed checkpoint remembers it was: its newest events were deleted.
        var truncated = checkpoints.CheckpointedVersion(clinic, id) is { } reached && reached > chain.RecordedVersion;
        return Results.Ok(new
        {
            valid = broken is null && signed && !truncated,
            events = chain.Links.Count,
            brokenAtSeq = broken ?? (signed && !truncated ? null : chain.RecordedVersion),
            headSigned = signed,
            truncated,
        });
    }
}
