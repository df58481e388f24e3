using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;

namespace Consent.Api.Consents;

/// <summary>
/// What anyone asks of one consent (a tablet page, the JSON API, a dashboard action, the timers, re-consent), decided
/// purely on the stored record: no I/O, no clock but <c>now</c>, no randomness (tokens and ids are made by whoever asks).
/// <see cref="ConsentWriter"/> loads, checks, decides with this and appends.
/// </summary>
public abstract record ConsentChange
{
    public abstract Decision Decide(ConsentRecord record, WorkflowDefinition definition, DateTimeOffset now);

    /// <summary>The workflow version the change is decided against when it is not the consent's own (starting one).</summary>
    public virtual WorkflowDefinition? Definition => null;

    /// <summary>Whether the change makes a new consent (the stream must not exist yet) rather than changing one.</summary>
    public virtual bool Creates => false;

    /// <summary>A drawn signature the change carries, kept beside the events that hash it.</summary>
    public virtual DrawnSignature? Image => null;
}

/// <summary>One of the runtime's own commands: a question, a resumption, a countersignature, a reaffirmation, a withdrawal, a language, a timer, a supersession.</summary>
public sealed record RuntimeChange(ConsentCommand Command) : ConsentChange
{
    public override Decision Decide(ConsentRecord record, WorkflowDefinition definition, DateTimeOffset now) =>
        ConsentRuntime.Decide(definition, record.Runtime, Command, now);
}

/// <summary>An answer to a step as sent (a JSON body or a tablet form); its shape follows the type of the step it names.</summary>
public interface IStepAnswer
{
    /// <summary>The runtime's input for a step of <paramref name="type"/>, or the name of a field that does not belong to one.</summary>
    (StepInput? Input, string? Stray) InputFor(StepType type);

    /// <summary>The drawn signature sent with the answer, decoded once.</summary>
    DrawnSignature? Image { get; }
}

public sealed record AnswerStep(string StepId, IStepAnswer Answer) : ConsentChange
{
    public override DrawnSignature? Image => Answer.Image;

    public override Decision Decide(ConsentRecord record, WorkflowDefinition definition, DateTimeOffset now)
    {
        // The input's shape follows the step named; the runtime then checks it is the current one.
        var type = definition.FindStep(StepId)?.Type ?? StepType.Explain;
        var (input, stray) = Answer.InputFor(type);
        return stray is not null
            ? Decision.Reject(RejectionCode.InvalidInput, stray, $"'{stray}' does not belong to a {type.ToString().ToLowerInvariant()} step: {ConsentRuntime.ExpectedInput(type)}.")
            : ConsentRuntime.Decide(definition, record.Runtime, new SubmitStep(StepId, input!), now);
    }
}

/// <summary>
/// A new consent for a patient and procedure on <paramref name="Workflow"/>, with its first tablet link
/// (<paramref name="TabletTokenSha256"/>: the token itself is handed out once and never stored).
/// </summary>
public sealed record OpenConsent(
    string ConsentId, string ClinicId, string PatientId, string ProcedureCode, WorkflowDefinition Workflow, StartConsent Start, string TabletTokenSha256,
    PatientDetails? Patient = null)
    : ConsentChange
{
    public override WorkflowDefinition? Definition => Workflow;

    public override bool Creates => true;

    /// <summary>A new random consent id: never derived from patient data, so it may appear in URLs and logs.</summary>
    public static string NewId() => "cns_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));

    public override Decision Decide(ConsentRecord record, WorkflowDefinition definition, DateTimeOffset now)
    {
        var start = ConsentRuntime.Start(definition, Start, now);
        if (!start.Accepted) return start;
        return Decision.Accept(
        [
            new ConsentOpened(ConsentId, ClinicId, PatientId, ProcedureCode, definition.Settings.ReminderAfter, now),
            .. start.Events,
            .. (Patient is { } patient ? new ConsentEvent[] { new PatientIdentified(patient.Name, patient.BirthDate, now) } : []),
            new TabletLinkIssued(TabletTokenSha256, now + definition.Settings.TabletTokenLifetime, now),
        ]);
    }
}

/// <summary>A new tablet link for a consent that has not ended; the previous one stops at once.</summary>
public sealed record IssueTabletLink(string TabletTokenSha256) : ConsentChange
{
    public override Decision Decide(ConsentRecord record, WorkflowDefinition definition, DateTimeOffset now) =>
        record.Runtime.Status.IsFinal()
            ? Decision.Reject(RejectionCode.NotAllowedInStatus, "status", "The consent has ended; start a new one instead.")
            : Decision.Accept(new TabletLinkIssued(TabletTokenSha256, now + definition.Settings.TabletTokenLifetime, now));
}

/// <summary>Staff stop the current tablet link (a tablet lost, a patient who will finish another day).</summary>
public sealed record RevokeTabletLink : ConsentChange
{
    public override Decision Decide(ConsentRecord record, WorkflowDefinition definition, DateTimeOffset now) =>
        record.TabletTokenSha256 is null
            ? Decision.Reject(RejectionCode.NotAllowedInStatus, "tablet", "No tablet link is current.")
            : Decision.Accept(new TabletLinkRevoked(now));
}

/// <summary>The booked procedure time (UTC), so the gate's answer for it is in view; null when what was sent is not a time.</summary>
public sealed record ScheduleProcedure(DateTimeOffset? ScheduledFor, string FormatHint) : ConsentChange
{
    public override Decision Decide(ConsentRecord record, WorkflowDefinition definition, DateTimeOffset now) =>
        record.Runtime.Status.IsFinal() ? Decision.Reject(RejectionCode.NotAllowedInStatus, "status", "The consent has ended.")
        : ScheduledFor is not { } when ? Decision.Reject(RejectionCode.InvalidInput, "scheduledFor", FormatHint)
        : Decision.Accept(new ProcedureScheduled(when, now));
}

/// <summary>A withdrawal whose reason must be one of <paramref name="Reasons"/> (the list a page offers); staff sign theirs (<paramref name="Signer"/>).</summary>
public sealed record WithdrawForPatient(string? Reason, IReadOnlyList<string> Reasons, string Hint, StaffSigner? Signer = null) : ConsentChange
{
    public override Decision Decide(ConsentRecord record, WorkflowDefinition definition, DateTimeOffset now) =>
        Reason is null || !Reasons.Contains(Reason)
            ? Decision.Reject(RejectionCode.InvalidInput, "reason", Hint)
            : ConsentRuntime.Decide(definition, record.Runtime, new Withdraw(Reason, Signer), now);
}
