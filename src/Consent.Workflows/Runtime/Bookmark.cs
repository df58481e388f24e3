using Consent.Workflows.Definitions;

namespace Consent.Workflows.Runtime;

public enum BookmarkKind
{
    /// <summary>The patient's input for <see cref="Bookmark.StepId"/>, of the kind <see cref="Bookmark.Input"/>.</summary>
    Step,
    /// <summary>A person must talk with the patient and resume the consent; <see cref="Bookmark.StepId"/> is where it paused, if at a step.</summary>
    Discussion,
    /// <summary>A clinician's countersignature.</summary>
    Countersign,
}

/// <summary>
/// What a consent is waiting for. The consent sleeps on it durably (it is derived from the events alone, plus the
/// definition for the step's type) and resumes on that input and no other.
/// </summary>
public sealed record Bookmark(BookmarkKind Kind, string? StepId, StepType? Input);

public static partial class ConsentRuntime
{
    public static ConsentState Evolve(ConsentState state, ConsentEvent e) => state.Evolve(e);

    public static ConsentState Replay(IEnumerable<ConsentEvent> events) => ConsentState.Replay(events);

    public static StepDefinition? CurrentStep(WorkflowDefinition definition, ConsentState state) =>
        state.CurrentStepId is { } id ? definition.FindStep(id) : null;

    /// <summary>Null once nothing but the clock, a withdrawal or a reaffirmation can change the consent.</summary>
    public static Bookmark? WaitingFor(WorkflowDefinition definition, ConsentState state) => state.Status switch
    {
        ConsentStatus.Pending or ConsentStatus.InProgress when CurrentStep(definition, state) is { } step => new Bookmark(BookmarkKind.Step, step.Id, step.Type),
        ConsentStatus.NeedsDiscussion => new Bookmark(BookmarkKind.Discussion, state.CurrentStepId, null),
        ConsentStatus.AwaitingCountersign => new Bookmark(BookmarkKind.Countersign, null, null),
        _ => null,
    };

    /// <summary>
    /// When a <see cref="Tick"/> next has something to do: the end of cooling-off, expiry, or the idle reminder. Timers
    /// are data, so a scheduler needs only this instant, and a tick before it changes nothing.
    /// </summary>
    public static DateTimeOffset? NextTimer(WorkflowSettings settings, ConsentState state) => NextTimer(state, settings.ReminderAfter);

    /// <summary>The same instant from the reminder time alone, for a caller that holds the pinned version's setting but not the definition.</summary>
    public static DateTimeOffset? NextTimer(ConsentState state, TimeSpan reminderAfter) => state.Status switch
    {
        ConsentStatus.Granted => state.CoolingOffOver ? state.ValidUntil : state.ValidFrom,
        _ when state.Status.IsFinal() || state.ReminderSent || reminderAfter <= TimeSpan.Zero => null,
        _ => state.LastActivityAt + reminderAfter,
    };
}
