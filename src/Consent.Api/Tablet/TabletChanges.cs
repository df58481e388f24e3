using Consent.Api.Consents;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;

namespace Consent.Api.Tablet;

/// <summary>An answer as a step's screen posts it: the form's fields, read once.</summary>
public sealed class TabletFormAnswer(IFormCollection form) : IStepAnswer
{
    private readonly Dictionary<string, string> _fields = form
        .Where(f => f.Value.Count > 0 && !string.IsNullOrEmpty(f.Value[0]))
        .ToDictionary(f => f.Key, f => f.Value[0]!, StringComparer.Ordinal);
    private DrawnSignature? _image;

    public DrawnSignature? Image => _image ??= DrawnSignature.FromDataUrl(Field("signatureImage"));

    /// <summary>A step's screen posts only its own fields; posting the screen is itself the acknowledgement of a read.</summary>
    public (StepInput? Input, string? Stray) InputFor(StepType type) => (type switch
    {
        StepType.Explain => new ExplainInput(true),
        StepType.Risk => new RiskInput(true, Field("initials") ?? ""),
        StepType.Quiz => new QuizInput(Field("answer")),
        StepType.Choice => new ChoiceInput(Field("option")),
        StepType.Provision => new ProvisionInput(YesNo("accept")),
        StepType.Decision => new DecisionInput(YesNo("consent")),
        _ => (StepInput)new SignatureInput(Field("signerName"), Field("signerRole"), Image, Field("intent") == "yes" ? true : null),
    }, null);

    private string? Field(string name) => _fields.GetValueOrDefault(name);

    private bool? YesNo(string name) => Field(name) switch { "yes" => true, "no" => false, _ => null };
}

/// <summary>"I have a question" from the tablet; a patient who types nothing asks in the consent's own language.</summary>
public sealed record AskQuestion(string? Text) : ConsentChange
{
    public override Decision Decide(ConsentRecord record, WorkflowDefinition definition, DateTimeOffset now) =>
        ConsentRuntime.Decide(definition, record.Runtime, new RaiseQuestion(string.IsNullOrWhiteSpace(Text) ? TabletText.For(record.Runtime.Locale, "ask.default") : Text), now);
}
