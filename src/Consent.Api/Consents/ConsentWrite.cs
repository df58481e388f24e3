using System.Security.Claims;
using Consent.Api.Auth;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;
using Consent.Api.Auditing;

namespace Consent.Api.Consents;

/// <summary>
/// One request to change a consent, as <see cref="ConsentWriter"/> takes it from any caller: which consent, who asks,
/// what they ask, and the conditions under which it may be stored.
/// </summary>
public sealed record ConsentWrite(string Clinic, string ConsentId, Actor Actor, ConsentChange Change)
{
    /// <summary>Set for a tablet: it may act only on its own consent, while its link is current and the consent open.</summary>
    public TabletScope? Tablet { get; init; }

    /// <summary>The version the caller saw (a page's form, an If-Match header); another version means the caller is stale.</summary>
    public long? ExpectedVersion { get; init; }

    /// <summary>A retried request with this key gets the first answer again and appends nothing.</summary>
    public IdempotencyKey? Idempotency { get; init; }
}

/// <summary>A caller's Idempotency-Key as stored (per caller) and the hash of the request it came with.</summary>
public sealed record IdempotencyKey(string Id, string RequestSha256);

/// <summary>The one consent a tablet principal may open, and the link it came from.</summary>
public sealed record TabletScope(string ConsentId, string LinkSha256)
{
    /// <summary>The scope of a tablet principal, or null for anyone else (staff and systems are scoped by clinic alone).</summary>
    public static TabletScope? Of(ClaimsPrincipal user) => user.IsInRole(StaffRoles.Tablet)
        ? new TabletScope(user.FindFirst(TabletClaims.Consent)?.Value ?? "", user.FindFirst(TabletClaims.Link)?.Value ?? "")
        : null;

    public bool Allows(ConsentRecord record) => record.Id == ConsentId && record.TabletTokenSha256 == LinkSha256 && !record.Runtime.Status.IsFinal();
}

public enum WriteStatus
{
    /// <summary>Stored (or nothing was left to do: <see cref="WriteOutcome.Changed"/> is false).</summary>
    Done,
    NotFound,
    /// <summary>The tablet's own consent, but its link has ended (finished, or a new link issued).</summary>
    TabletLinkEnded,
    /// <summary>The caller saw another version.</summary>
    Stale,
    /// <summary>The consent's workflow version is no longer published here.</summary>
    WorkflowGone,
    /// <summary>The decision refused it; <see cref="WriteOutcome.Rejection"/> says why.</summary>
    Rejected,
    /// <summary>Another writer appended first; nothing was stored.</summary>
    LostRace,
    /// <summary>The same request was answered before (<see cref="WriteOutcome.Earlier"/>).</summary>
    Replayed,
    /// <summary>The Idempotency-Key was used before with a different request.</summary>
    KeyReused,
}

/// <summary>What a write did. The adapters (JSON endpoints, pages, timers) map this one type to their answers.</summary>
public sealed record WriteOutcome(WriteStatus Status)
{
    public ConsentRecord? After { get; init; }
    public WorkflowDefinition? Definition { get; init; }
    public bool Changed { get; init; }
    public Rejection? Rejection { get; init; }
    public IdempotentResponse? Earlier { get; init; }
    /// <summary>The stored version when the caller was stale, or the current step when a race was lost.</summary>
    public long CurrentVersion { get; init; }
    public string? CurrentStepId { get; init; }

    public bool Stored => Status == WriteStatus.Done;
}
