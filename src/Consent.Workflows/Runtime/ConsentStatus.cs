namespace Consent.Workflows.Runtime;

public enum ConsentStatus { Pending, InProgress, NeedsDiscussion, AwaitingCountersign, Granted, Declined, Withdrawn, Expired, Superseded }

public static class ConsentStatusNames
{
    /// <summary>The contract's snake_case name, e.g. needs_discussion.</summary>
    public static string ToContract(this ConsentStatus status) => status switch
    {
        ConsentStatus.Pending => "pending",
        ConsentStatus.InProgress => "in_progress",
        ConsentStatus.NeedsDiscussion => "needs_discussion",
        ConsentStatus.AwaitingCountersign => "awaiting_countersign",
        ConsentStatus.Granted => "granted",
        ConsentStatus.Declined => "declined",
        ConsentStatus.Withdrawn => "withdrawn",
        ConsentStatus.Expired => "expired",
        ConsentStatus.Superseded => "superseded",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static ConsentStatus? FromContract(string? name) =>
        Enum.GetValues<ConsentStatus>().Cast<ConsentStatus?>().FirstOrDefault(s => s!.Value.ToContract() == name);

    /// <summary>Nothing more can happen to a consent in a final status. Granted is not final: it can be withdrawn or expire.</summary>
    public static bool IsFinal(this ConsentStatus status) =>
        status is ConsentStatus.Declined or ConsentStatus.Withdrawn or ConsentStatus.Expired or ConsentStatus.Superseded;
}
