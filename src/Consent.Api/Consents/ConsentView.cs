using System.ComponentModel;
using System.Text.Json.Serialization;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;

namespace Consent.Api.Consents;

/// <summary>The contract's ConsentView (its schema in the OpenAPI document at /openapi/v1.json).</summary>
public sealed record ConsentView(
    string Id, string PatientId, string ProcedureCode, WorkflowRef Workflow, string Locale, string Status, long Version,
    DateTimeOffset CreatedAt, DateTimeOffset? GrantedAt, DateTimeOffset? ValidFrom, DateTimeOffset? ValidUntil,
    IReadOnlyDictionary<string, string> Choices, IReadOnlyDictionary<string, bool> Provisions, ProgressView Progress,
    StepView? CurrentStep, bool ReminderDue)
{
    // Health data: present only where WithPatient put them (one staff read), absent from every write answer, so an
    // Idempotency-Key's stored answer never holds a second copy of them beside the consent's own stream.
    [Description("The patient's name as staff recorded it. Only on GET /api/consents/{id}, only for the clinic's coordinators, clinicians and admins, and only when one was recorded.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PatientName { get; init; }

    [Description("The patient's date of birth (ISO date, e.g. 1980-04-23) as staff recorded it; shown like patientName.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateOnly? PatientBirthDate { get; init; }

    /// <summary>This view with whom the consent is for: for the clinic's staff reading one consent, never for a write's answer.</summary>
    public ConsentView WithPatient(ConsentRecord record) => this with { PatientName = record.PatientName, PatientBirthDate = record.PatientBirthDate };

    public static ConsentView From(ConsentRecord record, WorkflowDefinition? definition, bool withStepBody = true)
    {
        var state = record.Runtime;
        var step = state.CurrentStepId is { } id ? definition?.FindStep(id) : null;
        var (done, total) = definition is null ? (0, 0) : Navigation.Progress(definition, state);
        return new ConsentView(
            record.Id, record.PatientId, record.ProcedureCode, new WorkflowRef(state.WorkflowId, state.WorkflowVersion, state.ContentHash),
            state.Locale, state.Status.ToContract(), record.Version, state.CreatedAt, state.GrantedAt, state.ValidFrom, state.ValidUntil,
            state.Choices, state.Provisions, new ProgressView(done, total),
            step is null ? null : StepView.From(step, state.Locale, definition!.DefaultLocale, withStepBody),
            // An extension of the contract's view: the consent was left unfinished longer than its workflow allows.
            state.ReminderSent && state.Status is ConsentStatus.Pending or ConsentStatus.InProgress or ConsentStatus.NeedsDiscussion);
    }
}

public sealed record WorkflowRef(string Id, int Version, string ContentHash);

public sealed record ProgressView(int Done, int Total);

public sealed record OptionView(string Id, string Label);

public sealed record StepView(string Id, string Type, string Title, string? Body, IReadOnlyList<OptionView>? Options, IReadOnlyList<string>? SignerRoles, string? Statement)
{
    public static StepView From(StepDefinition step, string locale, string fallback, bool withBody) => new(
        step.Id, step.Type.ToString().ToLowerInvariant(), step.Title.For(locale, fallback),
        withBody ? step.Body.For(locale, fallback) : null,
        step.Options.IsDefaultOrEmpty ? null : step.Options.Select(o => new OptionView(o.Id, o.Label.For(locale, fallback))).ToArray(),
        step.SignerRoles.IsDefaultOrEmpty ? null : step.SignerRoles.Select(r => r.ToString().ToLowerInvariant()).ToArray(),
        withBody && step.Type == StepType.Signature ? step.Statement.For(locale, fallback) : null);
}

