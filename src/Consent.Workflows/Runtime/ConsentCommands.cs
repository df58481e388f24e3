namespace Consent.Workflows.Runtime;

// What a person (or the clock) asks of a consent. Fields are nullable so that input read from a request reaches
// the runtime as it was sent and every rejection can name the field at fault.

public abstract record ConsentCommand;

/// <summary><see cref="OptionSeed"/> orders each quiz's options for this consent; without it one is derived from the start.</summary>
public sealed record StartConsent(string Locale, Representative? Representative, int? OptionSeed = null);

public sealed record SubmitStep(string StepId, StepInput Input) : ConsentCommand;

public sealed record RaiseQuestion(string? Text) : ConsentCommand;

public sealed record ResumeAfterDiscussion(string? Note) : ConsentCommand;

public sealed record GoToDecision : ConsentCommand;

/// <summary>The patient switches the language the consent is shown in.</summary>
public sealed record ChangeLocale(string? Locale) : ConsentCommand;

public sealed record Countersign(string? ClinicianName, bool? Attestation) : ConsentCommand;

public sealed record Reaffirm(bool? Confirmed) : ConsentCommand;

public sealed record Withdraw(string? ReasonCode) : ConsentCommand;

/// <summary>The clock: expiry, end of cooling-off, reminders.</summary>
public sealed record Tick : ConsentCommand;

public sealed record Supersede(int ToVersion, IReadOnlyList<string> ChangedSections) : ConsentCommand;

/// <summary>The input of a step, by step type (the StepInput schema of the OpenAPI document at /openapi/v1.json).</summary>
public abstract record StepInput;

public sealed record ExplainInput(bool? Acknowledged) : StepInput;

public sealed record RiskInput(bool? Acknowledged, string? Initials) : StepInput;

public sealed record QuizInput(string? Answer) : StepInput;

public sealed record ChoiceInput(string? Option) : StepInput;

public sealed record ProvisionInput(bool? Accept) : StepInput;

public sealed record DecisionInput(bool? Consent) : StepInput;

/// <summary><paramref name="Image"/> is null when what was sent is not a drawn signature (see <see cref="DrawnSignature.FromDataUrl"/>).</summary>
public sealed record SignatureInput(string? SignerName, string? SignerRole, DrawnSignature? Image, bool? Intent) : StepInput;
