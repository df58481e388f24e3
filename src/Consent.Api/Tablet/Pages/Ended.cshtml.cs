using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Consent.Api.Tablet.Pages;

/// <summary>The last screen of a tablet session, whatever ended it; it shows nothing of the consent.</summary>
public sealed class EndedModel : PageModel
{
    public string Locale { get; private set; } = TabletText.Fallback;
    public string Why { get; private set; } = "";

    public void OnGet(string? why, string? lang)
    {
        Locale = TabletText.Known(lang);
        Why = why is "declined" or "withdrawn" or "finished" ? why : "";
    }
}
