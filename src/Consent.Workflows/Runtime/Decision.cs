using System.Collections.Immutable;

namespace Consent.Workflows.Runtime;

public enum RejectionCode
{
    /// <summary>The input names a step that is not the one waiting for input (HTTP 409 with the current step).</summary>
    StepNotCurrent,
    /// <summary>The input is malformed or not allowed for this step (HTTP 422, naming the field).</summary>
    InvalidInput,
    /// <summary>The consent's status does not allow this now (HTTP 409).</summary>
    NotAllowedInStatus,
    /// <summary>The workflow has no such step (HTTP 404).</summary>
    UnknownStep,
    /// <summary>The definition given is not the version this consent is pinned to (a server fault, never the caller's).</summary>
    WrongDefinition,
}

public sealed record Rejection(RejectionCode Code, string Field, string Message, string? CurrentStepId = null);

/// <summary>The runtime's answer: the events to append, or why nothing may be appended.</summary>
public sealed record Decision(ImmutableArray<ConsentEvent> Events, Rejection? Rejection)
{
    public bool Accepted => Rejection is null;

    public static Decision Accept(params ConsentEvent[] events) => new([.. events], null);

    public static Decision Reject(RejectionCode code, string field, string message, string? currentStepId = null) =>
        new([], new Rejection(code, field, message, currentStepId));
}
