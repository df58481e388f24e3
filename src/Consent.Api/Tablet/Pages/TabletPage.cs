using Consent.Api.Auth;
using Consent.Api.Consents;
using Consent.Api.Workflows;
using Consent.Workflows.Definitions;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Consent.Api.Tablet.Pages;

/// <summary>
/// A page that shows the session's own consent: only to the tablet session cookie, only while the session's link is
/// the consent's current one, in the consent's language.
/// </summary>
[Authorize(AuthenticationSchemes = TabletUi.CookieScheme, Policy = Policies.Tablet)]
public abstract class TabletPage(IDocumentStore store, PublishedWorkflows workflows, IOptions<TabletUiSettings> settings) : PageModel
{
    protected IDocumentStore Store => store;
    protected PublishedWorkflows Workflows => workflows;
    public ConsentRecord Record { get; private set; } = ConsentRecord.None;
    public WorkflowDefinition Definition { get; private set; } = null!;
    /// <summary>The tablet settings, with the clinic's own idle pause where it has one (a clinic of slow readers sets a longer one).</summary>
    public TabletUiSettings Settings => _settings ??= HttpContext.RequestServices.GetRequiredService<Clinics.ClinicSettings>().IdleSecondsOf(Record.ClinicId) is { } idle
        ? new TabletUiSettings { IdleSeconds = idle, IdleWarningSeconds = settings.Value.IdleWarningSeconds, TimeZone = settings.Value.TimeZone }
        : settings.Value;

    private TabletUiSettings? _settings;
    public string Locale => Record.Runtime.Locale;

    public string T(string key) => TabletText.For(Locale, key);

    public string Text(LocalizedText text) => text.For(Locale, Definition.DefaultLocale);

    /// <summary>What the patient answered on a step, in words.</summary>
    public string? AnswerGiven(StepDefinition step) => TabletAnswers.Describe(step, Record.Runtime, Definition.DefaultLocale);

    /// <summary>
    /// A time as the clinic's clock shows it, in the consent's language ("D": date only, "f": date and time with the
    /// zone's offset, so a copy read elsewhere still says when).
    /// </summary>
    public string LocalTime(DateTimeOffset? at, string format)
    {
        if (at is not { } value) return "";
        var local = Consent.Workflows.Clinics.ClinicTime.ToLocal(value, HttpContext.RequestServices.GetRequiredService<Clinics.ClinicSettings>().ZoneOf(Record.ClinicId));
        var text = local.ToString(format, System.Globalization.CultureInfo.GetCultureInfo(Locale));
        return format == "D" ? text : $"{text} ({Consent.Workflows.Clinics.ClinicTime.OffsetName(local.Offset)})";
    }

    /// <summary>Loads the session's own consent into <see cref="Record"/> and <see cref="Definition"/>; false when it may not be shown.</summary>
    protected async Task<bool> LoadOwnAsync()
    {
        await using var session = store.QuerySession(User.FindFirst(StaffRoles.ClinicClaim)!.Value);
        var summary = await session.LoadAsync<ConsentSummary>(User.FindFirst(TabletClaims.Consent)!.Value, HttpContext.RequestAborted);
        if (summary?.Record is not { } record || record.TabletTokenSha256 != User.FindFirst(TabletClaims.Link)?.Value
            || workflows.Find(record.ClinicId, record.Runtime.WorkflowId, record.Runtime.WorkflowVersion) is not { } definition)
        {
            return false;
        }
        Record = record;
        Definition = definition;
        return true;
    }
}
