using System.Text;
using System.Xml;
using Consent.Api.Auth;
using Consent.Api.Hosting;
using Consent.Workflows.Definitions;
using Consent.Workflows.Linting;
using Consent.Workflows.Loading;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Consent.Api.Workflows;

public static class WorkflowsApi
{
    // A definition is a few hundred lines of YAML; anything far larger is not one.
    private const int MaxLintBodyBytes = 1024 * 1024;
    private static readonly string[] YamlMediaTypes = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"];

    public static IServiceCollection AddWorkflowCatalog(this IServiceCollection services)
    {
        services.AddSingleton(sp => PublishedWorkflows.Load(sp.GetRequiredService<IConfiguration>()));
        return services;
    }

    public static IEndpointRouteBuilder MapWorkflowsApi(this IEndpointRouteBuilder app)
    {
        // Loaded now, not on first request, so that a broken definition stops the service at start-up.
        app.ServiceProvider.GetRequiredService<PublishedWorkflows>();
        var group = app.MapGroup("/api/workflows").WithTags("Workflows").RequireAuthorization(Policies.Staff);
        group.MapGet("/", List).WithSummary("Published workflow versions the caller's clinic may start (a version with clinic values only where approved for the clinic).").WithName("listWorkflows");
        group.MapGet("/{id}", Get).WithSummary("One definition (the clinic's latest version unless ?version= is given).")
            .WithName("getWorkflow").ProducesProblems(400, 404);
        group.MapPost("/lint", Lint).WithSummary("Lint a definition sent as YAML, with the rules consent lint applies (claims and evidence).")
            .Accepts<string>("application/yaml", "text/yaml", "text/plain").WithName("lintWorkflow").ProducesProblems(400, 413, 415);
        return app;
    }

    public sealed record WorkflowSummary(string Id, int Version, string Title, IReadOnlyList<string> Locales, string ContentHash);

    public sealed record LintResponse(bool Valid, IReadOnlyList<LintFindingView> Findings);

    public sealed record LintFindingView(string Severity, string Code, string Path, int Line, string Message);

    // A version approved for some clinics only is listed, and served as the newest, to those clinics alone.
    private static string ClinicOf(HttpContext http) => http.User.FindFirst(StaffRoles.ClinicClaim)?.Value ?? "";

    private static Ok<WorkflowSummary[]> List(HttpContext http, PublishedWorkflows workflows) =>
        TypedResults.Ok(workflows.Catalog.All
            .Where(d => workflows.Catalog.IsPublishedFor(d, ClinicOf(http)))
            .OrderBy(d => d.Id, StringComparer.Ordinal).ThenBy(d => d.Version)
            .Select(d => new WorkflowSummary(d.Id, d.Version, d.Title.For(d.DefaultLocale, d.DefaultLocale), d.Locales, d.ContentHash))
            .ToArray());

    private static Results<Ok<WorkflowView>, ProblemHttpResult> Get(HttpContext http, string id, string? version, PublishedWorkflows workflows)
    {
        int? pinned = null;
        if (version is not null)
        {
            if (!int.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) || v < 1)
            {
                return Problems.Field(StatusCodes.Status400BadRequest, "version", "version must be a positive whole number.");
            }
            pinned = v;
        }
        var definition = workflows.Catalog.FindFor(ClinicOf(http), id, pinned);
        return definition is null
            ? Problems.NotFound(pinned is null ? $"No workflow '{id}'." : $"No version {pinned} of workflow '{id}'.")
            : TypedResults.Ok(WorkflowView.From(definition));
    }

    private static async Task<Results<Ok<LintResponse>, ProblemHttpResult>> Lint(HttpRequest request, PublishedWorkflows workflows)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (mediaType is null || !YamlMediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase))
        {
            return Problems.Field(StatusCodes.Status415UnsupportedMediaType, "Content-Type", "Send the definition as application/yaml (or text/yaml, text/plain).");
        }
        if (await JsonBody.ReadBoundedAsync(request, MaxLintBodyBytes) is not ({ } buffer, var length))
        {
            return Problems.Field(StatusCodes.Status413PayloadTooLarge, "body", $"A definition may be at most {MaxLintBodyBytes / 1024} KB.");
        }
        string yaml;
        try
        {
            yaml = new UTF8Encoding(false, true).GetString(buffer, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return Problems.Field(StatusCodes.Status400BadRequest, "body", "The definition is not valid UTF-8 text.");
        }
        var report = WorkflowLinter.LintYaml(yaml, "request", workflows.LintRules);
        return TypedResults.Ok(new LintResponse(report.Valid, report.Findings
            .Select(f => new LintFindingView(f.Severity.ToString().ToLowerInvariant(), f.Code, f.Path, f.Line, f.Message))
            .ToArray()));
    }
}

/// <summary>
/// The workflow versions loaded at start-up from <c>Workflows:Path</c>, with the lint rules beside them (claims and
/// evidence: the same rule set <c>consent lint</c> applies, so the endpoint and the CLI cannot disagree).
/// </summary>
public sealed class PublishedWorkflows(WorkflowCatalog catalog, LintRules lintRules, Clinics.ClinicProfiles? profiles = null)
{
    public WorkflowCatalog Catalog { get; } = catalog;
    public LintRules LintRules { get; } = lintRules;
    public Clinics.ClinicProfiles Profiles { get; } = profiles ?? Clinics.ClinicProfiles.Empty;

    /// <summary>
    /// A published version as <paramref name="clinic"/>'s patients read it: its placeholders filled from the clinic's
    /// profile. Without <paramref name="version"/>, the newest version published for that clinic (what a new consent starts on).
    /// </summary>
    public Consent.Workflows.Definitions.WorkflowDefinition? Find(string clinic, string id, int? version = null) =>
        Catalog.FindFor(clinic, id, version) is { } definition ? Profiles.Render(definition, clinic) : null;

    public static PublishedWorkflows Load(IConfiguration configuration)
    {
        var root = Path.GetFullPath(configuration["Workflows:Path"] ?? "workflows");
        if (!Directory.Exists(root))
        {
            throw new InvalidOperationException($"Workflows:Path '{root}' does not exist.");
        }
        var catalog = WorkflowCatalog.LoadDirectory(root);
        // A clinic must never run on a definition that failed to load: refuse to start and say where.
        if (!catalog.Errors.IsEmpty)
        {
            throw new InvalidOperationException("Workflow definitions failed to load:\n" + string.Join('\n', catalog.Errors));
        }
        var rules = LintRules.LoadDirectory(root);
        var profiles = Clinics.ClinicProfiles.Load(configuration);
        var unfit = ProfileProblems(catalog, profiles, rules).ToList();
        if (unfit.Count > 0)
        {
            throw new InvalidOperationException("Clinic profile values fail the lint of the workflows that show them:\n" + string.Join('\n', unfit));
        }
        return new PublishedWorkflows(catalog, rules, profiles);
    }

    /// <summary>
    /// The clinic's values are part of what its patients read, but no approved hash covers them: a profile that adds a
    /// misleading claim or an unreadable sentence to a published workflow stops the service, as an invalid profile does.
    /// </summary>
    private static IEnumerable<string> ProfileProblems(WorkflowCatalog catalog, Clinics.ClinicProfiles profiles, LintRules rules) =>
        from profile in profiles.All
        from definition in catalog.All
        where catalog.IsPublishedFor(definition, profile.Id)
        from finding in ProfileLint.Check(definition, profile, rules)
        where finding.Severity == LintSeverity.Error
        select $"{definition.Id} v{definition.Version} for clinic {profile.Id}: {finding.Code} {finding.Path}: {finding.Message}";
}

/// <summary>A definition as JSON: texts per locale, durations as ISO-8601.</summary>
public sealed record WorkflowView(
    string Id, int Version, string ContentHash, IReadOnlyDictionary<string, string> Title, IReadOnlyList<string> Locales,
    string DefaultLocale, WorkflowSettingsView Settings, IReadOnlyList<StepDefinitionView> Steps)
{
    public static WorkflowView From(WorkflowDefinition d) => new(
        d.Id, d.Version, d.ContentHash, d.Title.ByLocale, d.Locales, d.DefaultLocale,
        new WorkflowSettingsView(
            d.Settings.CountersignRequired, d.Settings.WitnessRequired, Iso(d.Settings.CoolingOff), Iso(d.Settings.Validity),
            d.Settings.Reaffirmation is { } r ? Iso(r.Window) : null, d.Settings.AcceptedEarlierVersions, d.Settings.DefaultQuizAttempts),
        d.Steps.Select(s => new StepDefinitionView(
            s.Id, s.Type.ToString().ToLowerInvariant(), s.Title.ByLocale, s.Body.ByLocale, s.Elements, s.Next,
            s.When is { } w ? new StepConditionView(w.StepId, w.AnyOf) : null,
            s.Options.IsDefaultOrEmpty ? null : s.Options.Select(o => new StepOptionView(o.Id, o.Label.ByLocale, o.Next)).ToArray(),
            s.CorrectOption, s.Explanation, s.MaxAttempts,
            s.SignerRoles.IsDefaultOrEmpty ? null : s.SignerRoles.Select(r => r.ToString().ToLowerInvariant()).ToArray(),
            s.Statement.ByLocale.IsEmpty ? null : s.Statement.ByLocale)).ToArray());

    private static string Iso(TimeSpan span) => XmlConvert.ToString(span);
}

public sealed record WorkflowSettingsView(
    bool CountersignRequired, bool WitnessRequired, string CoolingOff, string Validity, string? ReaffirmationWindow,
    IReadOnlyList<int> AcceptedEarlierVersions, int QuizAttempts);

public sealed record StepDefinitionView(
    string Id, string Type, IReadOnlyDictionary<string, string> Title, IReadOnlyDictionary<string, string> Body,
    IReadOnlyList<string> Elements, string? Next, StepConditionView? When, IReadOnlyList<StepOptionView>? Options,
    string? Correct, string? Explanation, int? MaxAttempts, IReadOnlyList<string>? SignerRoles, IReadOnlyDictionary<string, string>? Statement);

public sealed record StepConditionView(string Step, IReadOnlyList<string> AnyOf);

public sealed record StepOptionView(string Id, IReadOnlyDictionary<string, string> Label, string? Next);
