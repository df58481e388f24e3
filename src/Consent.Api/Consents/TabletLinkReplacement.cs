using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;

namespace Consent.Api.Consents;

/// <summary>Staff ended a tablet link that was still current to issue another, for <paramref name="ReasonCode"/> (a code: never free text).</summary>
public sealed record TabletLinkReplaced(string ReasonCode, DateTimeOffset At) : ConsentEvent(At);

/// <summary>
/// A new tablet link. When the current link is open on a tablet (<paramref name="SessionOpen"/>: a patient may be
/// reading), ending it needs a reason from <see cref="Reasons"/> and staff's explicit confirmation; otherwise it is a
/// plain new link.
/// </summary>
public sealed record ReplaceTabletLink(string TabletTokenSha256, string? Reason, bool Confirmed, bool SessionOpen) : ConsentChange
{
    public static readonly IReadOnlyList<string> Reasons = ["tablet_lost", "tablet_not_working", "finish_another_day", "wrong_patient", "other"];

    public override Decision Decide(ConsentRecord record, WorkflowDefinition definition, DateTimeOffset now)
    {
        var issue = new IssueTabletLink(TabletTokenSha256).Decide(record, definition, now);
        if (!issue.Accepted || !SessionOpen || record.TabletTokenSha256 is null || record.TabletExpiresAt <= now) return issue;
        if (Reason is null || !Reasons.Contains(Reason)) return Decision.Reject(RejectionCode.InvalidInput, "reason", "Choose why the open tablet session ends.");
        if (!Confirmed) return Decision.Reject(RejectionCode.InvalidInput, "confirm", "Confirm that the open tablet session ends now.");
        return Decision.Accept([new TabletLinkReplaced(Reason, now), .. issue.Events]);
    }
}
