using System.Collections.Immutable;
using Consent.Workflows.Definitions;
using Consent.Workflows.Loading;

namespace Consent.Workflows.Tests.Runtime;

/// <summary>
/// Definitions built in code, without the loader, each showing runtime features the shipped workflows do not use:
/// jumps on steps and on choice options, a witness signature, a quiz without an explanation, a per-step attempt limit.
/// </summary>
public static class TestWorkflows
{
    public static readonly WorkflowSettings Settings = new(
        CountersignRequired: false, WitnessRequired: true, CoolingOff: TimeSpan.FromHours(24), Validity: TimeSpan.FromDays(30),
        Reaffirmation: null, AcceptedEarlierVersions: [], DefaultQuizAttempts: 2, ReminderAfter: TimeSpan.FromHours(1),
        TabletTokenLifetime: TimeSpan.FromHours(4));

    /// <summary>
    /// Option b jumps to b-info, past a-info; a-risk jumps to the quiz, past b's steps, so b's path is one step longer. The quiz re-opens the first
    /// section, before the choice, and a witness signs after the patient.
    /// </summary>
    public static WorkflowDefinition Branching { get; } = Workflow("branching", 1, Settings,
        Step("intro", StepType.Explain),
        Step("route", StepType.Choice) with { Options = [Option("a"), Option("b", next: "b-info")] },
        Step("a-info", StepType.Explain),
        Step("a-risk", StepType.Risk) with { When = When("route", "a"), Next = "quiz" },
        Step("b-info", StepType.Explain),
        Step("b-risk", StepType.Risk) with { When = When("route", "b") },
        Step("b-aftercare", StepType.Explain) with { When = When("route", "b") },
        Quiz("quiz", explanation: "intro"),
        Step("photos", StepType.Provision),
        Step("decision", StepType.Decision),
        Signature("signature", SignerRole.Patient, SignerRole.Representative),
        Signature("witness-signature", SignerRole.Witness));

    /// <summary>The same steps without a witness, countersigned by a clinician and reaffirmed on the day.</summary>
    public static WorkflowDefinition Countersigned { get; } = Workflow("countersigned", 1,
        Settings with { CountersignRequired = true, WitnessRequired = false, Reaffirmation = new ReaffirmationSettings(TimeSpan.FromHours(12)) },
        [.. Branching.Steps.Where(s => s.Id != "witness-signature")]);

    /// <summary>A quiz with no section to re-read, allowed one wrong answer.</summary>
    public static WorkflowDefinition Retry { get; } = Workflow("retry", 1, Settings with { WitnessRequired = false },
        Quiz("quiz", explanation: null) with { MaxAttempts = 1 },
        Step("decision", StepType.Decision),
        Signature("signature", SignerRole.Patient));

    public static IEnumerable<WorkflowDefinition> All => [Branching, Countersigned, Retry];

    public static WorkflowDefinition Workflow(string id, int version, WorkflowSettings settings, params StepDefinition[] steps)
    {
        var definition = new WorkflowDefinition(id, version, Text(id), ["en", "es"], "en", settings, [.. steps], "", SourceLocation.None);
        return definition with { ContentHash = ContentHash.Of(definition) };
    }

    public static StepDefinition Step(string id, StepType type) => new(
        id, type, Text(id), Text($"About {id}."), [], true, null, null, [], null, null, null, [], LocalizedText.Empty, [], SourceLocation.None);

    public static StepDefinition Quiz(string id, string? explanation) =>
        Step(id, StepType.Quiz) with { Explanation = explanation, CorrectOption = "right", Options = [Option("right"), Option("wrong"), Option("unsure")] };

    public static StepDefinition Signature(string id, params SignerRole[] roles) =>
        Step(id, StepType.Signature) with { SignerRoles = [.. roles], Statement = new LocalizedText(ImmutableDictionary<string, string>.Empty.Add("en", $"I sign {id}.").Add("es", $"Firmo {id}.")) };

    public static StepOption Option(string id, string? next = null) => new(id, Text(id), next, SourceLocation.None);

    public static StepCondition When(string stepId, params string[] anyOf) => new(stepId, [.. anyOf]);

    private static LocalizedText Text(string text) => new(ImmutableDictionary<string, string>.Empty.Add("en", text).Add("es", text));
}
