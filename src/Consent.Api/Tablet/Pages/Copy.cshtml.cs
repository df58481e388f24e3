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
public sealed class CopyModel(IDocumentStore store, PublishedWorkflows workflows, IOptions<TabletUiSettings> settings) : TabletPage(store, workflows, settings)
{
    public IReadOnlyList<StepDefinition> Steps { get; private set; } = [];
    /// <summary>The care team's number from the clinic's profile: the workflow tells the patient to call "the number on your copy".</summary>
    public string? CareTeamPhone => Workflows.Profiles.For(Record.ClinicId)?.Value("contacts.main", Locale);
    public string? UrgentPhone => Workflows.Profiles.For(Record.ClinicId)?.Value("contacts.urgent", Locale);

    public async Task<IActionResult> OnGetAsync()
    {
        return await LoadAsync() ? Page() : Redirect("/tablet/consent");
    }

    /// <summary>The drawn signature, only of this session's own consent.</summary>
    public async Task<IActionResult> OnGetSignatureAsync(string? hash)
    {
        if (!await LoadAsync() || hash is null || Record.Runtime.Signatures.All(s => s.SignatureSha256 != hash)) return NotFound();
        await using var session = Store.QuerySession(User.FindFirst(StaffRoles.ClinicClaim)!.Value);
        var image = await session.LoadAsync<SignatureImage>(hash, HttpContext.RequestAborted);
        return image is null || image.ConsentId != Record.Id ? NotFound() : File(Convert.FromBase64String(image.PngBase64), "image/png");
    }

    /// <summary>The copy exists once the patient has signed, while the consent stands.</summary>
    private async Task<bool> LoadAsync()
    {
        if (!await LoadOwnAsync() || Record.Runtime.Status is not (ConsentStatus.AwaitingCountersign or ConsentStatus.Granted)) return false;
        Steps = [.. Navigation.Path(Definition, Record.Runtime.Choices).Where(s => Record.Runtime.Completed.Contains(s.Id))];
        return true;
    }

    /// <summary>The statement exactly as signed: the workflow text, in whichever language matches the hash the event holds.</summary>
    public string SignedStatement(SignatureRecord signature, StepDefinition step) =>
        Definition.Locales.Select(l => step.Statement.For(l, Definition.DefaultLocale))
            .FirstOrDefault(text => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))) == signature.StatementSha256)
        ?? Text(step.Statement);

}
