using Consent.Workflows.Definitions;

namespace Consent.Workflows.Runtime;

// "I do not want to go on" leads to a neutral screen (go back to reading, talk to someone, decline). Nothing is decided
// there: a consent is recorded only at the decision step reached in order, and declining from the neutral screen
// records a decline and nothing else.
public static partial class ConsentRuntime
{
    /// <summary>
    /// The step the patient stopped at while they are on the neutral screen, else null. Consents stored before the
    /// neutral screen existed were taken to the decision instead (<see cref="DecisionRequested"/>); one still waiting
    /// there is treated as stopped, so an early "yes" can no longer be recorded.
    /// </summary>
    public static string? StoppedAt(WorkflowDefinition definition, ConsentState state)
    {
        if (state.Status is not (ConsentStatus.Pending or ConsentStatus.InProgress)) return null;
        if (state.StoppedAtStepId is { } stopped) return stopped;
        return CurrentStep(definition, state) is { Type: StepType.Decision } && state.ReturnToStepId is { } left ? left : null;
    }

    private static Decision Stop(WorkflowDefinition definition, ConsentState state, DateTimeOffset now)
    {
        if (state.Status is not (ConsentStatus.Pending or ConsentStatus.InProgress) || state.CurrentStepId is not { } current)
        {
            return NotNow(state, "stopping is possible only while the consent is being read");
        }
        // A second tap while the neutral screen is shown changes nothing.
        return StoppedAt(definition, state) is not null ? Decision.Accept() : Decision.Accept(new StopRequested(current, now));
    }

    private static Decision Continue(WorkflowDefinition definition, ConsentState state, DateTimeOffset now) =>
        StoppedAt(definition, state) is { } stopped ? Decision.Accept(new ReadingContinued(stopped, now)) : Decision.Accept();

    private static Decision DeclineStopped(WorkflowDefinition definition, ConsentState state, DateTimeOffset now) =>
        StoppedAt(definition, state) is null
            ? NotNow(state, "declining here is possible only after choosing not to go on")
            : Decision.Accept(new ConsentDeclined(now));
}
