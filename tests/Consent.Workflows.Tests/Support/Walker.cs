using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;

namespace Consent.Workflows.Tests.Support;

/// <summary>Drives one consent through the runtime the way a tablet would, keeping its events and state.</summary>
public sealed class Walker
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A clinician signed in as the account <c>rivera</c> who typed the password again at signing.</summary>
    public static readonly StaffSigner Clinician = new("rivera", "Dr. Rivera", StaffSigner.PasswordReentry, T0);

    // A whole 1x1 PNG (header, image data, end, every CRC): the runtime decodes a signature for real.
    public static readonly string SignaturePng =
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII=";

    public Walker(WorkflowDefinition definition, string locale = "en", Representative? representative = null)
    {
        Definition = definition;
        Now = T0;
        var start = ConsentRuntime.Start(definition, new StartConsent(locale, representative), Now);
        start.Accepted.ShouldBeTrue(start.Rejection?.Message);
        Append(start);
    }

    public WorkflowDefinition Definition { get; }
    public DateTimeOffset Now { get; set; }
    public List<ConsentEvent> Events { get; } = [];
    public ConsentState State { get; private set; } = ConsentState.None;
    public StepDefinition? Current => State.CurrentStepId is { } id ? Definition.FindStep(id) : null;

    public Decision Send(ConsentCommand command)
    {
        var decision = ConsentRuntime.Decide(Definition, State, command, Now);
        if (decision.Accepted) Append(decision);
        return decision;
    }

    public Decision Submit(StepInput input) => Send(new SubmitStep(State.CurrentStepId ?? "none", input));

    /// <summary>Answers the current step as a careful patient would: reads, acknowledges, answers quizzes right.</summary>
    public Decision AnswerCurrent(IReadOnlyDictionary<string, string>? choices = null, bool consent = true, bool? provisions = true)
    {
        var step = Current ?? throw new InvalidOperationException($"No current step (status {State.Status})");
        StepInput input = step.Type switch
        {
            StepType.Explain => new ExplainInput(true),
            StepType.Risk => new RiskInput(true, "JD"),
            StepType.Quiz => new QuizInput(step.CorrectOption),
            StepType.Choice => new ChoiceInput(choices?.GetValueOrDefault(step.Id) ?? step.Options[0].Id),
            StepType.Provision => new ProvisionInput(provisions),
            StepType.Decision => new DecisionInput(consent),
            StepType.Signature => new SignatureInput("Jane Doe", step.SignerRoles[0].ToString().ToLowerInvariant(), DrawnSignature.FromDataUrl(SignaturePng), true),
            _ => throw new InvalidOperationException(),
        };
        var decision = Submit(input);
        decision.Accepted.ShouldBeTrue(decision.Rejection?.Message);
        return decision;
    }

    /// <summary>Answers every step until none waits for the patient.</summary>
    public Walker Complete(IReadOnlyDictionary<string, string>? choices = null, bool consent = true)
    {
        for (var guard = 0; Current is not null; guard++)
        {
            guard.ShouldBeLessThan(500, "the walk does not end");
            AnswerCurrent(choices, consent);
        }
        return this;
    }

    /// <summary>Walks until the current step is <paramref name="stepId"/>.</summary>
    public Walker Until(string stepId, IReadOnlyDictionary<string, string>? choices = null)
    {
        for (var guard = 0; State.CurrentStepId != stepId; guard++)
        {
            guard.ShouldBeLessThan(500, $"step {stepId} is never reached");
            AnswerCurrent(choices);
        }
        return this;
    }

    private void Append(Decision decision)
    {
        foreach (var e in decision.Events)
        {
            Events.Add(e);
            State = State.Evolve(e);
        }
    }
}
