using Consent.Api.Auth;
using Consent.Api.Consents;
using Consent.Api.Workflows;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Consent.Api.Tablet.Pages;

/// <summary>
/// The patient's copy: every part they read in the language they chose, their answers, the exact statement signed
/// and the drawn signature, ready to print or save. Shown only to the signing session, only once it has signed.
/// </summary>
[Authorize(AuthenticationSchemes = TabletUi.CookieScheme, Policy = Policies.Tablet)]
public sealed class CopyModel(IDocumentStore store, PublishedWorkflows workflows, IOptions<TabletUiSettings> settings) : PageModel
{
    public ConsentRecord Record { get; private set; } = ConsentRecord.None;
    public WorkflowDefinition Definition { get; private set; } = null!;
    public IReadOnlyList<StepDefinition> Steps { get; private set; } = [];
    public TabletUiSettings Settings => settings.Value;
    public string Locale => Record.Runtime.Locale;

    public string T(string key) => TabletText.For(Locale, key);

    public string Text(LocalizedText text) => text.For(Locale, Definition.DefaultLocale);

    public async Task<IActionResult> OnGetAsync()
    {
        if (await LoadAsync() is null) return Redirect("/tablet/consent");
        return Page();
    }

    /// <summary>The drawn signature, only of this session's own consent.</summary>
    public async Task<IActionResult> OnGetSignatureAsync(string? hash)
    {
        if (await LoadAsync() is not { } record || hash is null || record.Runtime.Signatures.All(s => s.SignatureSha256 != hash)) return NotFound();
        await using var session = store.QuerySession(User.FindFirst(StaffRoles.ClinicClaim)!.Value);
        var image = await session.LoadAsync<SignatureImage>(hash, HttpContext.RequestAborted);
        return image is null || image.ConsentId != record.Id ? NotFound() : File(Convert.FromBase64String(image.PngBase64), "image/png");
    }

    private async Task<ConsentRecord?> LoadAsync()
    {
        if (await TabletConsent.LoadOwnAsync(store, workflows, User, HttpContext.RequestAborted) is not { } own
            || own.Record.Runtime.Status is not (ConsentStatus.AwaitingCountersign or ConsentStatus.Granted))
        {
            return null;
        }
        var (record, definition) = own;
        Record = record;
        Definition = definition;
        Steps = [.. Navigation.Path(definition, record.Runtime.Choices).Where(s => record.Runtime.Completed.Contains(s.Id))];
        return record;
    }

    /// <summary>The statement exactly as signed: the workflow text, in whichever language matches the hash the event holds.</summary>
    public string SignedStatement(SignatureRecord signature, StepDefinition step) =>
        Definition.Locales.Select(l => step.Statement.For(l, Definition.DefaultLocale))
            .FirstOrDefault(text => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))) == signature.StatementSha256)
        ?? Text(step.Statement);

    public string When(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, Settings.Zone()).ToString("f", System.Globalization.CultureInfo.GetCultureInfo(Locale));

    public string? Answer(StepDefinition step) => TabletAnswers.Describe(step, Record.Runtime, Definition.DefaultLocale);
}
