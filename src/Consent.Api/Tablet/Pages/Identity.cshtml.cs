using Consent.Api.Auditing;
using Consent.Api.Auth;
using Consent.Api.Consents;
using Consent.Api.Workflows;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Consent.Api.Tablet.Pages;

/// <summary>
/// "Is this you?": before anything of the consent, the tablet shows whom it is for (name and date of birth, as staff
/// recorded them). "No, this is not me" ends the link at once and shows up on the staff's queue; nothing of the form
/// is recorded for the wrong person.
/// </summary>
public sealed class IdentityModel(IDocumentStore store, PublishedWorkflows workflows, ConsentWriter writer, IOptions<TabletUiSettings> settings)
    : TabletPage(store, workflows, settings)
{
    public bool Rejected { get; private set; }
    public string RejectedLocale { get; private set; } = TabletText.Fallback;

    public async Task<IActionResult> OnGetAsync()
    {
        if (!await LoadOwnAsync()) return await EndAsync();
        return Record.AsksIdentity ? Page() : Redirect("/tablet/consent");
    }

    public async Task<IActionResult> OnPostAsync(long version, string? answer)
    {
        if (answer is not ("yes" or "no")) return Redirect("/tablet/identity");
        var write = new ConsentWrite(User.FindFirst(StaffRoles.ClinicClaim)!.Value, User.FindFirst(TabletClaims.Consent)!.Value, Actor.From(HttpContext), new AnswerIdentity(answer == "yes"))
        {
            Tablet = TabletScope.Of(User), ExpectedVersion = version,
        };
        var outcome = await writer.WriteAsync(write, HttpContext.RequestAborted);
        if (answer == "yes" || !outcome.Stored) return Redirect("/tablet/consent");
        // The link has ended with the answer: this browser's session goes too, and the screen says what to do.
        await HttpContext.SignOutAsync(TabletUi.CookieScheme);
        Rejected = true;
        RejectedLocale = outcome.After!.Runtime.Locale;
        return Page();
    }

    private async Task<IActionResult> EndAsync()
    {
        await HttpContext.SignOutAsync(TabletUi.CookieScheme);
        return Redirect("/tablet/ended");
    }

    /// <summary>The date of birth as the patient's language writes a date.</summary>
    public string BirthDate => Record.PatientBirthDate is { } day
        ? day.ToString("D", System.Globalization.CultureInfo.GetCultureInfo(Locale))
        : "";
}
