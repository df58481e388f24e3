using Marten;
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

    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddOptions<StaffSettings>().BindConfiguration("Staff");
        services.AddSingleton<StaffAccounts>();
        // A staff account is looked up by username at sign-in, before its clinic is known.
        services.ConfigureMarten(options =>
        {
            options.Schema.For<StaffAccount>().SingleTenanted();
            SignInThrottle.AddTo(options);
        });
        services.AddSingleton<SignInThrottle>();
        StaffSessions.AddTo(services);
        services.AddHostedService(sp => sp.GetRequiredService<StaffAccounts>());
        services.AddSingleton<DashboardFeed>();
        services.AddScoped<Worklist>();
        services.AddSingleton<IStaffNotifier, BrowserNotifier>();
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
        // Always registered, used only when configuration names a dashboard client (read lazily, like the JWT settings,
        // so that configuration added by a host or test after start-up code ran is honoured).
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
                UseDashboardClient(oidc, a);
                oidc.Events.OnRemoteFailure = ctx =>
                {
                    ctx.Response.Redirect("/dashboard/signin?failed=authority");
                    ctx.HandleResponse();
                    return Task.CompletedTask;
                };
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
        OidcSignatures.AddTo(services, auth);
        return services;
    }

    public static WebApplication UseDashboard(this WebApplication app)
    {
        app.UseStrictPageHeaders("/dashboard");
        app.MapHub<DashboardHub>("/dashboard/live");
        StaffSessions.MapApi(app);
        return app;
    }

    /// <summary>
    /// The dashboard's client at the authority, for the sign-in scheme and the signature scheme alike. Without a dashboard
    /// client the handlers still exist (the middleware asks every remote handler about every request) but nothing ever
    /// challenges them; their callbacks only answer with the sign-in page.
    /// </summary>
    public static void UseDashboardClient(OpenIdConnectOptions oidc, AuthSettings a)
    {
        ArgumentNullException.ThrowIfNull(oidc);
        ArgumentNullException.ThrowIfNull(a);
        var configured = a.IsOidc && !string.IsNullOrWhiteSpace(a.DashboardClientId);
        oidc.Authority = configured ? a.Authority : "https://oidc.not-configured.invalid";
        oidc.ClientId = configured ? a.DashboardClientId : "not-configured";
        oidc.ClientSecret = configured ? a.DashboardClientSecret : null;
        oidc.RequireHttpsMetadata = a.RequireHttpsMetadata;
    }
}
