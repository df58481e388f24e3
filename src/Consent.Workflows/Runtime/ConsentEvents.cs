namespace Consent.Workflows.Runtime;

// The consent's own history, as stored. Records in the past tense, in the clinic's words; plain values only so
// that they serialise as they are. A step event names the step that is current next, so the state is rebuilt
// from the events alone, without the definition.

public abstract record ConsentEvent(DateTimeOffset At);

public sealed record Representative(string Name, string Relationship);

/// <summary>
/// <see cref="OptionSeed"/> fixes the order of every quiz's options for this consent (<see cref="OptionOrder"/>), so a
/// replay shows what the patient saw; consents started before it existed have none and show the written order.
/// </summary>
public sealed record ConsentStarted(
    string WorkflowId, int WorkflowVersion, string ContentHash, string Locale, Representative? Representative,
    string? FirstStepId, DateTimeOffset At, int? OptionSeed = null) : ConsentEvent(At);

public sealed record SectionRead(string StepId, string? NextStepId, DateTimeOffset At) : ConsentEvent(At);

public sealed record RiskAcknowledged(string StepId, string Initials, string? NextStepId, DateTimeOffset At) : ConsentEvent(At);

/// <summary>A right answer completes the quiz and names the next step; a wrong one leaves the quiz to be asked again.</summary>
public sealed record QuizAnswered(string StepId, string OptionId, bool Correct, int Attempt, string? NextStepId, DateTimeOffset At) : ConsentEvent(At);

/// <summary>After a wrong answer the patient reads <see cref="StepId"/> again; the quiz <see cref="QuizStepId"/> follows it.</summary>
public sealed record ExplanationReopened(string StepId, string QuizStepId, DateTimeOffset At) : ConsentEvent(At);

/// <summary>The attempt limit was reached: a person must talk with the patient before the quiz is asked again.</summary>
public sealed record QuizAttemptsExhausted(string StepId, int Attempts, DateTimeOffset At) : ConsentEvent(At);

public sealed record ChoiceMade(string StepId, string OptionId, string? NextStepId, DateTimeOffset At) : ConsentEvent(At);

public sealed record ProvisionAnswered(string StepId, bool Accepted, string? NextStepId, DateTimeOffset At) : ConsentEvent(At);

/// <summary>
/// Stored before the neutral stop screen existed: "I do not want to go on" took the patient to the decision;
/// <see cref="FromStepId"/> is where they left. No longer written; such consents still replay.
/// </summary>
public sealed record DecisionRequested(string FromStepId, string DecisionStepId, DateTimeOffset At) : ConsentEvent(At);

/// <summary>"I do not want to go on" at <see cref="FromStepId"/>: the patient sees a neutral screen; nothing is decided.</summary>
public sealed record StopRequested(string FromStepId, DateTimeOffset At) : ConsentEvent(At);

/// <summary>From the neutral screen the patient went back to reading at <see cref="StepId"/>.</summary>
public sealed record ReadingContinued(string StepId, DateTimeOffset At) : ConsentEvent(At);

public sealed record DecisionRecorded(string StepId, bool Consented, string? NextStepId, DateTimeOffset At) : ConsentEvent(At);

public sealed record ConsentDeclined(DateTimeOffset At) : ConsentEvent(At);

/// <summary>
/// An electronic signature: who signed in which role, the exact statement shown (and its hash), and the SHA-256
/// of the drawn signature image, which is stored beside the events.
/// </summary>
public sealed record ConsentSigned(
    string StepId, string SignerRole, string SignerName, string? Relationship, string Statement, string StatementSha256,
    string SignatureSha256, int SignatureBytes, string? NextStepId, DateTimeOffset At) : ConsentEvent(At);

public sealed record CountersignRequested(DateTimeOffset At) : ConsentEvent(At);

public sealed record ConsentCountersigned(string ClinicianName, DateTimeOffset At) : ConsentEvent(At);

/// <summary>
/// A staff member's electronic signature, stored just before the act it signs (<see cref="Act"/>: <c>countersign</c>,
/// <c>reaffirm</c> or <c>withdraw</c>): the account and its name, the meaning shown, and how the signer authenticated
/// at signing (<see cref="StaffSigner.PasswordReentry"/> or <see cref="StaffSigner.TokenAuthTime"/>) and when
/// (21 CFR 11.50 and 11.200).
/// </summary>
public sealed record StaffSigned(
    string Act, string AccountId, string SignerName, string Meaning, string AuthMethod, DateTimeOffset AuthenticatedAt, DateTimeOffset At) : ConsentEvent(At)
{
    public const string Countersign = "countersign";
    public const string Reaffirm = "reaffirm";
    public const string Withdraw = "withdraw";
}

public sealed record ConsentGranted(DateTimeOffset ValidFrom, DateTimeOffset ValidUntil, DateTimeOffset At) : ConsentEvent(At);

/// <summary>
/// The patient switched language: what is shown (and the statement later signed) follows <see cref="Locale"/> from
/// here on, and the record shows which language each part was read in.
/// </summary>
public sealed record LocaleChanged(string FromLocale, string Locale, DateTimeOffset At) : ConsentEvent(At);

public sealed record QuestionRaised(string Text, string? StepId, DateTimeOffset At) : ConsentEvent(At);

public sealed record DiscussionResumed(string Note, DateTimeOffset At) : ConsentEvent(At);

public sealed record ConsentReaffirmed(DateTimeOffset At) : ConsentEvent(At);

public sealed record ConsentWithdrawn(string ReasonCode, DateTimeOffset At) : ConsentEvent(At);

public sealed record CoolingOffEnded(DateTimeOffset At) : ConsentEvent(At);

public sealed record ConsentExpired(DateTimeOffset At) : ConsentEvent(At);

/// <summary>An unfinished consent has been idle longer than the workflow's reminder time.</summary>
public sealed record ReminderDue(DateTimeOffset At) : ConsentEvent(At);

/// <summary>A newer version changed what the patient agreed to (<see cref="ChangedSections"/>) and no longer accepts this one.</summary>
public sealed record ConsentSuperseded(int ToVersion, IReadOnlyList<string> ChangedSections, DateTimeOffset At) : ConsentEvent(At);
