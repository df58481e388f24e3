namespace Consent.Contracts;

// The integration events other clinic systems subscribe to. They are the public contract (asyncapi.yaml beside this
// file describes the same fields, and a test keeps the two equal), separate from the consent's internal history so
// that the history can grow without breaking a subscriber. Every event names who it is about, never why in free
// text: a reason a patient typed may hold health data, so only reason codes leave the service.
//
// Each record repeats the six common fields rather than inheriting them: MassTransit publishes a message to one
// exchange per type in its hierarchy, and the contract promises exactly one exchange per event type.

/// <summary>The patient's consent is complete (countersigned where the workflow asks for it).</summary>
public sealed record ConsentGranted(
    string EventId, string ConsentId, string ClinicId, string PatientId, string ProcedureCode, DateTimeOffset OccurredAt,
    string WorkflowId, int WorkflowVersion, IReadOnlyDictionary<string, string> Choices, IReadOnlyDictionary<string, bool> Provisions,
    DateTimeOffset ValidFrom, DateTimeOffset ValidUntil);

/// <summary>The patient answered "no" at the decision step.</summary>
public sealed record ConsentDeclined(
    string EventId, string ConsentId, string ClinicId, string PatientId, string ProcedureCode, DateTimeOffset OccurredAt);

/// <summary>The consent was withdrawn, before or after it was granted.</summary>
public sealed record ConsentWithdrawn(
    string EventId, string ConsentId, string ClinicId, string PatientId, string ProcedureCode, DateTimeOffset OccurredAt,
    string ReasonCode);

/// <summary>The consent's validity window ended.</summary>
public sealed record ConsentExpired(
    string EventId, string ConsentId, string ClinicId, string PatientId, string ProcedureCode, DateTimeOffset OccurredAt);

/// <summary>A material change in a newer workflow version makes this granted consent insufficient.</summary>
public sealed record ReconsentRequired(
    string EventId, string ConsentId, string ClinicId, string PatientId, string ProcedureCode, DateTimeOffset OccurredAt,
    string WorkflowId, int FromVersion, int ToVersion, IReadOnlyList<string> ChangedSections);

/// <summary>
/// What <c>GET /api/gate</c> answers for this patient and procedure changed. <see cref="Sequence"/> increases per
/// (clinic, patient, procedure): a subscriber keeps the highest it applied and ignores any message with a lower one.
/// <see cref="Allowed"/> and <see cref="Reason"/> are the answer at <see cref="OccurredAt"/> as of the event that changed
/// it (never coalesced with later changes: a withdrawal followed at once by a new consent is two messages); <see cref="ValidFrom"/>
/// and <see cref="ValidUntil"/> are the window in which the consent allows the procedure, when there is one.
/// </summary>
public sealed record SchedulingGateChanged(
    string EventId, string ConsentId, string ClinicId, string PatientId, string ProcedureCode, DateTimeOffset OccurredAt,
    bool Allowed, string Reason, DateTimeOffset? ValidFrom, DateTimeOffset? ValidUntil, long Sequence);

/// <summary>The values of <see cref="SchedulingGateChanged.Reason"/> and of the gate's <c>reason</c>.</summary>
public static class GateReasons
{
    /// <summary>Allowed: a granted consent covers the time asked about.</summary>
    public const string Granted = "granted";
    public const string NoConsent = "no_consent";
    /// <summary>A consent was started and is not finished yet (in progress, in discussion or awaiting countersignature).</summary>
    public const string ConsentPending = "consent_pending";
    public const string Declined = "declined";
    public const string CoolingOff = "cooling_off";
    public const string Expired = "expired";
    public const string Withdrawn = "withdrawn";
    public const string ReaffirmationRequired = "reaffirmation_required";
    public const string ReconsentRequired = "reconsent_required";
    /// <summary>The stored history behind this answer does not verify (it was changed outside the service): closed until someone looks.</summary>
    public const string IntegrityError = "integrity_error";

    public static readonly IReadOnlyList<string> All =
        [Granted, NoConsent, ConsentPending, Declined, CoolingOff, Expired, Withdrawn, ReaffirmationRequired, ReconsentRequired, IntegrityError];
}

/// <summary>The AsyncAPI document describing these events, as shipped with this assembly.</summary>
public static class AsyncApiDocument
{
    public static Stream Open() => typeof(AsyncApiDocument).Assembly.GetManifestResourceStream("asyncapi.yaml")
        ?? throw new InvalidOperationException("asyncapi.yaml is not embedded.");
}
