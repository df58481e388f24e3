namespace Consent.Workflows.Runtime;

// What a person (or the clock) asks of a consent. Fields are nullable so that input read from a request reaches
// the runtime as it was sent and every rejection can name the field at fault.

public abstract record ConsentCommand;

/// <summary><see cref="OptionSeed"/> orders each quiz's options for this consent; without it one is derived from the start.</summary>
public sealed record StartConsent(string Locale, Representative? Representative, int? OptionSeed = null);

public sealed record SubmitStep(string StepId, StepInput Input) : ConsentCommand;

public sealed record RaiseQuestion(string? Text) : ConsentCommand;

public sealed record ResumeAfterDiscussion(string? Note) : ConsentCommand;

/// <summary>"I do not want to go on": the patient is shown a neutral screen; nothing is decided.</summary>
public sealed record StopGoingOn : ConsentCommand;

/// <summary>From the neutral screen: back to the step the patient stopped at.</summary>
public sealed record ContinueReading : ConsentCommand;

/// <summary>From the neutral screen: the patient declines without reaching the decision step.</summary>
public sealed record DeclineAfterStopping : ConsentCommand;

/// <summary>The patient switches the language the consent is shown in.</summary>
public sealed record ChangeLocale(string? Locale) : ConsentCommand;

/// <summary>
/// A staff member's electronic signature on an act (21 CFR 11.50, 11.100, 11.200): who, by the signed-in account, and how
/// they proved it was them at signing. The caller checks the authentication; the runtime records it with the act.
/// </summary>
public sealed record StaffSigner(string AccountId, string Name, string AuthMethod, DateTimeOffset AuthenticatedAt)
{
    /// <summary>The password was typed again at signing.</summary>
    public const string PasswordReentry = "password_reentry";
    /// <summary>An API token whose <c>auth_time</c> was recent at signing.</summary>
    public const string TokenAuthTime = "token_auth_time";
}

/// <summary>
/// <paramref name="Name"/>, if sent, must be the signed-in account's name: the name is never typed, it is the account's.
/// <paramref name="Meaning"/> defaults to <see cref="StaffSignatureMeanings.Countersign"/>.
/// </summary>
public sealed record Countersign(StaffSigner? Signer, bool? Attestation, string? Name = null, string? Meaning = null) : ConsentCommand;

/// <summary>On the patient's tablet no <paramref name="Signer"/>; a clinician recording it signs.</summary>
public sealed record Reaffirm(bool? Confirmed, StaffSigner? Signer = null) : ConsentCommand;

/// <summary>On the patient's tablet no <paramref name="Signer"/>; staff withdrawing on the patient's behalf sign.</summary>
public sealed record Withdraw(string? ReasonCode, StaffSigner? Signer = null) : ConsentCommand;

/// <summary>What a staff signature means when the signer gives no wording of their own (shown at signing and on the record).</summary>
public static class StaffSignatureMeanings
{
    public const string Countersign = "I confirm I discussed this consent with the patient.";
    public const string Reaffirm = "I confirm the patient reaffirmed this consent to me before the procedure.";
    public const string Withdraw = "I withdraw this consent on the patient's behalf for the reason given.";
}

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
