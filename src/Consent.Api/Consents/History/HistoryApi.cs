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

    /// <summary>The stored history checked as <see cref="ChainVerification"/> does it; the read is written to the access log.</summary>
    private static async Task<IResult> Verify(HttpContext http, string id, MartenTables tables, IDocumentStore store, SigningKeyRing keys, HeadCheckpoints checkpoints, TimeProvider clock)
    {
        var clinic = ConsentResults.Clinic(http);
        if (await ChainVerification.CheckAsync(tables, store, keys, checkpoints, clinic, id, http.RequestAborted) is not { } check) return Problems.NotFound($"No consent '{id}'.");
        await AccessLog.RecordAsync(http, store, clinic, id, "verify", clock);
        return Results.Ok(check);
    }
}
