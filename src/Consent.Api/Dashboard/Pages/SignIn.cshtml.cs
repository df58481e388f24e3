using System.Security.Claims;
using Consent.Api.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Consent.Api.Dashboard.Pages;

/// <summary>The local staff sign-in. A session carries the account's role and clinic exactly as an API token would.</summary>
public sealed class SignInModel(StaffAccounts accounts, IOptions<AuthSettings> auth) : PageModel
{
    public bool Failed { get; private set; }
    public string ReturnUrl { get; private set; } = "/dashboard";
    /// <summary>With an OIDC authority configured for the dashboard, staff sign in there instead.</summary>
    public bool LocalSignIn => !(auth.Value.IsOidc && !string.IsNullOrWhiteSpace(auth.Value.DashboardClientId));

    public bool AuthorityFailed { get; private set; }

    public void OnGet(string? returnUrl, string? failed)
    {
        ReturnUrl = SafeReturn(returnUrl);
        AuthorityFailed = failed == "authority";
    }

    public async Task<IActionResult> OnPostAsync(string? username, string? password, string? returnUrl)
    {
        ReturnUrl = SafeReturn(returnUrl);
        if (!LocalSignIn) return Forbid();
        var address = HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (await accounts.VerifyAsync(username, password, address, HttpContext.RequestAborted) is not { } account)
        {
            Failed = true;
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }
        var identity = new ClaimsIdentity(
        [
            new Claim(StaffRoles.SubjectClaim, account.Id),
            new Claim(StaffRoles.RoleClaim, account.Role),
            new Claim(StaffRoles.ClinicClaim, account.ClinicId),
            new Claim("name", account.DisplayName),
        ], DashboardSetup.CookieScheme, StaffRoles.SubjectClaim, StaffRoles.RoleClaim);
        await HttpContext.SignInAsync(DashboardSetup.CookieScheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = false });
        return LocalRedirect(ReturnUrl);
    }

    // Only back into the dashboard: never an open redirect, and only printable ASCII (a control character in a Location
    // header failed the answer with a 500).
    private static string SafeReturn(string? url) =>
        url is { Length: <= 2000 } && url.StartsWith("/dashboard", StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal) && !url.Contains('\\')
        && url.All(c => c is > ' ' and < (char)0x7F) ? url : "/dashboard";
}
