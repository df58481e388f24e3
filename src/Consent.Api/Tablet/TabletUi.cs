using Marten;
using Microsoft.AspNetCore.Authentication;
using Consent.Api.Hosting;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Consent.Api.Tablet;

/// <summary>Settings under <c>Tablet</c>.</summary>
public sealed class TabletUiSettings
{
    /// <summary>
    /// Seconds without a touch before the screen hides behind the resume screen: 10 minutes by default, so a slow
    /// reader of a long risk section is not sent away mid-page (2 minutes was too short); a clinic may set its own.
    /// </summary>
    public int IdleSeconds { get; set; } = 600;
    /// <summary>How long before hiding the screen warns that it will, so a slow reader can keep it open with one tap.</summary>
    public int IdleWarningSeconds { get; set; } = 30;
    /// <summary>The clinic's time zone (IANA id) for the dates a patient reads.</summary>
    public string TimeZone { get; set; } = "UTC";

    public TimeZoneInfo Zone() => TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;
}

/// <summary>
/// The patient tablet: server-rendered pages under <c>/tablet</c>. The tablet token arrives in the URL fragment, is
/// exchanged once for an HttpOnly, SameSite=Strict session cookie and never appears in a URL the server sees.
/// </summary>
public static class TabletUi
{
    public const string CookieScheme = "TabletCookie";
    public const string CookieName = "consent-tablet";

    public static IServiceCollection AddTabletUi(this IServiceCollection services)
    {
        services.AddOptions<TabletUiSettings>().BindConfiguration("Tablet")
            .Validate(s => s.IdleSeconds >= 5 && s.IdleWarningSeconds >= 1 && s.IdleWarningSeconds < s.IdleSeconds, "Tablet:IdleSeconds must be at least 5 and longer than Tablet:IdleWarningSeconds.")
            .ValidateOnStart();
        // Pages live beside the rest of their feature (Tablet/Pages); every page names its own absolute route.
        services.AddRazorPages(o => o.RootDirectory = "/");
        // A short code is looked up before its clinic is known; it leads to a tablet link, which carries the clinic.
        services.ConfigureMarten(options => options.Schema.For<TabletShortCode>().SingleTenanted());
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, TabletAuthenticationHandler>(TabletAuthenticationHandler.SchemeName, null);
        services.AddAuthentication().AddCookie(CookieScheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.Path = "/tablet";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.SlidingExpiration = false;
            // No sign-in form for a tablet: without a session the entry page explains what to do.
            o.Events = new CookieAuthenticationEvents
            {
                OnRedirectToLogin = c => Redirect(c.Response, "/tablet/ended"),
                OnRedirectToAccessDenied = c => Redirect(c.Response, "/tablet/ended"),
            };
        });
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "consent-antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__antiforgery";
        });
        return services;
    }

    public static WebApplication UseTabletUi(this WebApplication app)
    {
        app.UseStrictPageHeaders("/tablet");
        app.UseStaticFiles();
        app.MapRazorPages();
        return app;
    }

    private static Task Redirect(HttpResponse response, string to)
    {
        response.Redirect(to);
        return Task.CompletedTask;
    }
}
