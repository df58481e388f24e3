using System.Collections.Immutable;

namespace Consent.Workflows.Definitions;

/// <summary>
/// A published, immutable version of a consent workflow, as loaded from <c>workflows/{id}/v{version}.yaml</c>.
/// Instances pin <see cref="Id"/>, <see cref="Version"/> and <see cref="ContentHash"/> when they start.
/// </summary>
public sealed record WorkflowDefinition(
    string Id,
    int Version,
    LocalizedText Title,
    ImmutableArray<string> Locales,
    string DefaultLocale,
    WorkflowSettings Settings,
    ImmutableArray<StepDefinition> Steps,
    string ContentHash,
    SourceLocation Source)
{
    public StepDefinition? FindStep(string stepId) => Steps.FirstOrDefault(s => s.Id == stepId);

    /// <summary>What kind of consent this is and which 21 CFR 50.25(b) elements apply; absent in versions written before it existed.</summary>
    public DisclosureDeclaration? Disclosure { get; init; }
}

public enum DisclosureKind { Standard, Investigational }

/// <summary>
/// The workflow's own statement of what it must disclose: a standard procedure or an investigational one, and the
/// additional elements of 21 CFR 50.25(b) that apply to it (the linter then requires evidence for each).
/// </summary>
public sealed record DisclosureDeclaration(DisclosureKind Kind, ImmutableArray<string> AdditionalElements, SourceLocation Source);

/// <summary>Where a definition element was read from, so errors can name file, line and field.</summary>
public sealed record SourceLocation(string File, int Line, string Path)
{
    public static readonly SourceLocation None = new("", 0, "");
    public SourceLocation At(int line, string path) => this with { Line = line, Path = path };
}

/// <summary>Text in every locale the workflow ships; the linter proves each locale carries every text.</summary>
public sealed record LocalizedText(ImmutableDictionary<string, string> ByLocale)
{
    public static readonly LocalizedText Empty = new(ImmutableDictionary<string, string>.Empty);

    public string For(string locale, string fallbackLocale) =>
        ByLocale.TryGetValue(locale, out var text) ? text
        : ByLocale.TryGetValue(fallbackLocale, out var fallback) ? fallback
        : "";
}

public sealed record WorkflowSettings(
    bool CountersignRequired,
    bool WitnessRequired,
    TimeSpan CoolingOff,
    TimeSpan Validity,
    ReaffirmationSettings? Reaffirmation,
    ImmutableArray<int> AcceptedEarlierVersions,
    int DefaultQuizAttempts,
    TimeSpan ReminderAfter,
    TimeSpan TabletTokenLifetime);

/// <summary>The patient must confirm consent again within <see cref="Window"/> before the procedure time.</summary>
public sealed record ReaffirmationSettings(TimeSpan Window);

public enum StepType { Explain, Risk, Quiz, Choice, Provision, Decision, Signature }

public enum SignerRole { Patient, Representative, Witness }

/// <summary>
/// One step (activity) of a workflow. Fields that do not apply to a step's <see cref="Type"/> are empty.
/// Steps run in list order unless <see cref="Next"/> (or a chosen option's Next) jumps, and a step whose
/// <see cref="When"/> is false for the instance's choices is skipped.
/// </summary>
public sealed record StepDefinition(
    string Id,
    StepType Type,
    LocalizedText Title,
    LocalizedText Body,
    ImmutableArray<string> Elements,
    bool PatientFacing,
    string? Next,
    StepCondition? When,
    ImmutableArray<StepOption> Options,
    string? CorrectOption,
    string? Explanation,
    int? MaxAttempts,
    ImmutableArray<SignerRole> SignerRoles,
    LocalizedText Statement,
    ImmutableArray<ClaimAllowance> ClaimsAllowed,
    SourceLocation Source)
{
    /// <summary>For a quiz: the understandings it checks (e.g. not_approved), named in the evidence rules.</summary>
    public ImmutableArray<string> Checks { get; init; } = [];

    /// <summary>Quiz attempts before the consent goes to needs_discussion.</summary>
    public int AttemptLimit(WorkflowSettings settings) => MaxAttempts ?? settings.DefaultQuizAttempts;

    public bool AppliesTo(IReadOnlyDictionary<string, string> choices) =>
        When is null || (choices.TryGetValue(When.StepId, out var chosen) && When.AnyOf.Contains(chosen));
}

/// <summary>
/// A claim-rule exception for one step: wording the linter would flag is allowed because it is true here,
/// with the source that shows it (e.g. a product that really is FDA approved for this use).
/// </summary>
public sealed record ClaimAllowance(string Rule, string Source);

/// <summary>An option of a choice or quiz step. For a choice, <see cref="Next"/> is the branch it takes.</summary>
public sealed record StepOption(string Id, LocalizedText Label, string? Next, SourceLocation Source);

/// <summary>The step applies only when the choice step <see cref="StepId"/> was answered with one of <see cref="AnyOf"/>.</summary>
public sealed record StepCondition(string StepId, ImmutableArray<string> AnyOf);
