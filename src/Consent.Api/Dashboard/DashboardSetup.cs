using Consent.Api.Auth;
using Consent.Api.Hosting;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Consent.Api.Dashboard;

/// <summary>
/// The coordinators' and clinicians' web pages under <c>/dashboard</c>: a cookie session carrying the same role and
/// clinic claims as the API's tokens, signed in locally (the demo clinic) or through the clinic's OpenID Connect
/// authority when <c>Auth:Mode</c> is Oidc and <c>Auth:DashboardClientId</c> is set.
/// </summary>
public static class DashboardSetup
{
    public const string CookieScheme = "StaffCookie";
    public const string OidcScheme = "StaffOidc";

    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StaffSettings>().BindConfiguration("Staff");
        services.AddSingleton<StaffAccounts>();
        services.AddHostedService(sp => sp.GetRequiredService<StaffAccounts>());
        services.AddSingleton<DashboardFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<DashboardFeed>());
        services.AddSignalR();

        var auth = services.AddAuthentication();
        auth.AddCookie(CookieScheme, o =>
        {
            o.Cookie.Name = "consent-staff";
            o.Cookie.Path = "/dashboard";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax; // Lax, so the OIDC authority's redirect back can carry it
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/dashboard/signin";
            o.AccessDeniedPath = "/dashboard/denied";
            o.SlidingExpiration = true;
        });
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme).Configure<IOptions<StaffSettings>, IOptions<AuthSettings>>((cookie, staff, authSettings) =>
        {
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(staff.Value.SessionMinutes);
            if (authSettings.Value.IsOidc && !string.IsNullOrWhiteSpace(authSettings.Value.DashboardClientId)) cookie.ForwardChallenge = OidcScheme;
        });
        if (configuration["Auth:Mode"] is { } mode && mode.Equals("Oidc", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(configuration["Auth:DashboardClientId"]))
        {
            auth.AddOpenIdConnect(OidcScheme, o =>
            {
                o.SignInScheme = CookieScheme;
                o.CallbackPath = "/dashboard/signin-oidc";
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.UsePkce = true;
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = true;
            });
            services.AddOptions<OpenIdConnectOptions>(OidcScheme).Configure<IOptions<AuthSettings>>((oidc, authSettings) =>
            {
                var a = authSettings.Value;
                oidc.Authority = a.Authority;
                oidc.ClientId = a.DashboardClientId;
                oidc.ClientSecret = a.DashboardClientSecret;
                oidc.RequireHttpsMetadata = a.RequireHttpsMetadata;
                oidc.TokenValidationParameters.RoleClaimType = a.RoleClaim;
                oidc.TokenValidationParameters.NameClaimType = StaffRoles.SubjectClaim;
                oidc.Scope.Add("profile");
                // Inside the service the tenant claim is always "clinic", whatever the authority calls it.
                oidc.Events.OnTokenValidated = ctx =>
                {
                    if (ctx.Principal?.Identity is System.Security.Claims.ClaimsIdentity identity && identity.FindFirst(a.ClinicClaim) is { } clinic
                        && !identity.HasClaim(c => c.Type == StaffRoles.ClinicClaim))
                    {
                        identity.AddClaim(new System.Security.Claims.Claim(StaffRoles.ClinicClaim, clinic.Value));
                    }
                    return Task.CompletedTask;
                };
            });
        }
        return services;
    }

    public static WebApplication UseDashboard(this WebApplication app)
    {
        app.UseStrictPageHeaders("/dashboard");
        app.MapHub<DashboardHub>("/dashboard/live");
        return app;
    }
}
