using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;

namespace Consent.Api.Consents.AnsweringSteps;

public sealed class CreateConsentRequest
{
    public required string PatientId { get; init; }
    public required string ProcedureCode { get; init; }
    public required string WorkflowId { get; init; }
    public required string Locale { get; init; }
    public RepresentativeRequest? Representative { get; init; }
    /// <summary>The patient's name as the clinic records it, shown to staff and asked on the tablet ("Is this you?").</summary>
    public string? PatientName { get; init; }
    /// <summary>The patient's date of birth (yyyy-MM-dd), shown with the name.</summary>
    public string? PatientBirthDate { get; init; }
}

public sealed class RepresentativeRequest
{
    public required string Name { get; init; }
    public required string Relationship { get; init; }
}

/// <summary>Every field any step type takes; the current step's type decides which may be present.</summary>
public sealed class StepInputRequest : IStepAnswer
{
    private DrawnSignature? _image;
    public bool? Acknowledged { get; init; }
    public string? Initials { get; init; }
    public string? Answer { get; init; }
    public string? Option { get; init; }
    public bool? Accept { get; init; }
    public bool? Consent { get; init; }
    public string? SignerName { get; init; }
    public string? SignerRole { get; init; }
    public string? SignatureImage { get; init; }
    public bool? Intent { get; init; }

    /// <inheritdoc />
    [System.Text.Json.Serialization.JsonIgnore]
    public DrawnSignature? Image => _image ??= DrawnSignature.FromDataUrl(SignatureImage);

    /// <summary>The runtime input for a step of <paramref name="type"/>, or the first field that does not belong to it.</summary>
    public (StepInput? Input, string? Stray) InputFor(StepType type)
    {
        var present = new (string Name, bool Set)[]
        {
            ("acknowledged", Acknowledged is not null), ("initials", Initials is not null), ("answer", Answer is not null),
            ("option", Option is not null), ("accept", Accept is not null), ("consent", Consent is not null),
            ("signerName", SignerName is not null), ("signerRole", SignerRole is not null),
            ("signatureImage", SignatureImage is not null), ("intent", Intent is not null),
        };
        string[] allowed = type switch
        {
            StepType.Explain => ["acknowledged"],
            StepType.Risk => ["acknowledged", "initials"],
            StepType.Quiz => ["answer"],
            StepType.Choice => ["option"],
            StepType.Provision => ["accept"],
            StepType.Decision => ["consent"],
            _ => ["signerName", "signerRole", "signatureImage", "intent"],
        };
        var stray = present.FirstOrDefault(p => p.Set && !allowed.Contains(p.Name)).Name;
        if (stray is not null) return (null, stray);
        StepInput input = type switch
        {
            StepType.Explain => new ExplainInput(Acknowledged),
            StepType.Risk => new RiskInput(Acknowledged, Initials),
            StepType.Quiz => new QuizInput(Answer),
            StepType.Choice => new ChoiceInput(Option),
            StepType.Provision => new ProvisionInput(Accept),
            StepType.Decision => new DecisionInput(Consent),
            _ => new SignatureInput(SignerName, SignerRole, Image, Intent),
        };
        return (input, null);
    }
}

public sealed class QuestionRequest { public string? Text { get; init; } }

public sealed class ResumeRequest
{
    /// <summary>Required: a short note of what was discussed with the patient (1 to 2000 characters); empty or missing is 422 naming <c>note</c>.</summary>
    public string? Note { get; init; }
}

/// <summary>
/// The signer is the signed-in account: <see cref="Name"/> may be left out and, if sent, must be that account's name.
/// <see cref="Meaning"/> is what the signature means, recorded with it (default: "I confirm I discussed this consent with the patient.").
/// </summary>
public sealed class CountersignRequest
{
    /// <summary>Optional: if sent, must be exactly the signed-in account's name (the token's <c>name</c>, else its <c>sub</c>); otherwise 422 naming <c>name</c>.</summary>
    public string? Name { get; init; }
    /// <summary>Must be true: the clinician discussed the consent with the patient.</summary>
    public bool? Attestation { get; init; }
    /// <summary>Optional: what the signature means, recorded with it (at most 2000 characters; default "I confirm I discussed this consent with the patient.").</summary>
    public string? Meaning { get; init; }
}

/// <summary>From a clinician's token this is a staff signature (recent <c>auth_time</c> needed); from the patient's tablet it is not.</summary>
public sealed class ReaffirmRequest { public bool? Confirmed { get; init; } }

/// <summary>From a coordinator's or clinician's token this is a staff signature (recent <c>auth_time</c> needed); from the patient's tablet it is not.</summary>
public sealed class WithdrawRequest { public string? Reason { get; init; } }
