using System.Security.Claims;
using System.Security.Cryptography;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Consent.Api.Consents;

namespace Consent.Api.Tablet.Pages;

/// <summary>
/// The <c>tabletUrl</c>'s page. Its script takes the token from the URL fragment (never sent to a server), removes it
/// from the address bar and history, and posts it once; the answer is a session cookie that dies with the browser
/// session, bound to this browser so that the same link opens nothing anywhere else.
/// </summary>
public sealed class OpenModel(IDocumentStore store, Consents.Storage.ClinicDatabases databases, TabletSessionCache cache, TimeProvider clock) : PageModel
{
    public bool Failed { get; private set; }
    /// <summary>The code typed opens nothing (mistyped, used or past its 15 minutes): the patient is told to check it, not that a tablet holds it.</summary>
    public bool WrongCode { get; private set; }
    public bool HasSession { get; private set; }

    // Always the page, even for a browser that has a session: only its script can see whether the address holds a new
    // link (the next patient's, on a tablet nobody finished), and a new link always wins over the old session.
    public async Task OnGetAsync() => HasSession = (await HttpContext.AuthenticateAsync(TabletUi.CookieScheme)).Succeeded;

    public async Task<IActionResult> OnPostOpenAsync(string? token)
    {
        if (token is null || !token.StartsWith(TabletSession.TokenPrefix, StringComparison.Ordinal) || token.Length > 200)
        {
            return Refuse();
        }
        return await SignInAsync(TabletSession.HashOf(token));
    }

    /// <summary>A short code typed on the tablet: once, within its 15 minutes.</summary>
    public async Task<IActionResult> OnPostCodeAsync(string? code)
    {
        if (TabletShortCode.Normalize(code) is not { } normalized) return Refuse(wrongCode: true);
        await using var session = store.LightweightSession();
        var stored = await session.LoadAsync<TabletShortCode>(TabletSession.HashOf(normalized), HttpContext.RequestAborted);
        if (stored is null || stored.ExpiresAt <= clock.GetUtcNow()) return Refuse(wrongCode: true);
        session.Delete(stored);
        await session.SaveChangesAsync(HttpContext.RequestAborted);
        return await SignInAsync(stored.TabletSessionId);
    }

    private async Task<IActionResult> SignInAsync(string linkHash)
    {
        var device = "web-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var (tablet, _) = await TabletAuthenticationHandler.OpenByHashAsync(store, databases, cache, clock, linkHash, device, HttpContext.RequestAborted);
        if (tablet is null) return Refuse();

        await HttpContext.SignOutAsync(TabletUi.CookieScheme);
        var principal = new ClaimsPrincipal(TabletAuthenticationHandler.PrincipalOf(tablet, TabletUi.CookieScheme, device));
        await HttpContext.SignInAsync(TabletUi.CookieScheme, principal, new AuthenticationProperties
        {
            IsPersistent = false,
            AllowRefresh = false,
            ExpiresUtc = tablet.ExpiresAt,
            IssuedUtc = clock.GetUtcNow(),
        });
        return Redirect("/tablet/consent");
    }

    private PageResult Refuse(bool wrongCode = false)
    {
        Failed = true;
        WrongCode = wrongCode;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Page();
    }
}
