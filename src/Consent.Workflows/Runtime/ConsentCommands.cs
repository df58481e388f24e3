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

/// <summary>The input of a step, by step type (shared/api-contract.md, StepInput).</summary>
public abstract record StepInput;

public sealed record ExplainInput(bool? Acknowledged) : StepInput;

public sealed record RiskInput(bool? Acknowledged, string? Initials) : StepInput;

public sealed record QuizInput(string? Answer) : StepInput;

public sealed record ChoiceInput(string? Option) : StepInput;

public sealed record ProvisionInput(bool? Accept) : StepInput;

public sealed record DecisionInput(bool? Consent) : StepInput;

/// <summary><paramref name="Image"/> is null when what was sent is not a drawn signature (see <see cref="DrawnSignature.FromDataUrl"/>).</summary>
public sealed record SignatureInput(string? SignerName, string? SignerRole, DrawnSignature? Image, bool? Intent) : StepInput;

/// <summary>A drawn signature's PNG, decoded once from the data URL the tablet sends; its bytes are hashed into the event and stored beside it.</summary>
public sealed record DrawnSignature(byte[] Png)
{
    /// <summary>The decoded image, or null when <paramref name="dataUrl"/> is not a PNG data URL within the size limit.</summary>
    public static DrawnSignature? FromDataUrl(string? dataUrl)
    {
        if (dataUrl is null || !dataUrl.StartsWith(PngDataUrlPrefix, StringComparison.Ordinal)) return null;
        var base64 = dataUrl.AsSpan(PngDataUrlPrefix.Length);
        if (base64.Length > (ConsentRuntime.MaxSignatureBytes + 2) / 3 * 4) return null;
        var bytes = new byte[base64.Length * 3 / 4 + 3];
        if (!Convert.TryFromBase64Chars(base64, bytes, out var written) || written <= PngMagic.Length || written > ConsentRuntime.MaxSignatureBytes) return null;
        return bytes.AsSpan(0, PngMagic.Length).SequenceEqual(PngMagic) ? new DrawnSignature(bytes[..written]) : null;
    }

    private const string PngDataUrlPrefix = "data:image/png;base64,";
    private static readonly byte[] PngMagic = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
}
