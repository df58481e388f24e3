using Microsoft.AspNetCore.HttpOverrides;

namespace Consent.Api.Hosting;

/// <summary>
/// What the service may believe about how it was reached. The tablet link (and its QR code) is built from
/// <c>Tablet:PublicBaseUrl</c>, never from the request's <c>Host</c> header, which a caller chooses: a forged one made the
/// service hand out a link to another site carrying a live tablet token. Only in Development, without that setting, is the
/// request's own address used. Behind a reverse proxy (<c>Proxy:KnownProxies</c>, addresses), the forwarded scheme and
/// client address are taken from those proxies only, and HTTPS is enforced (redirect and HSTS) outside Development.
/// </summary>
public static class TransportSecurity
{
    public const string PublicBaseUrlKey = "Tablet:PublicBaseUrl";

    /// <summary>The service's public origin (scheme, host and port, no trailing slash) for links handed to people.</summary>
    public static string PublicBaseUrl(HttpContext http)
    {
        var configured = http.RequestServices.GetRequiredService<IConfiguration>()[PublicBaseUrlKey];
        if (!string.IsNullOrWhiteSpace(configured)) return configured.TrimEnd('/');
        if (http.RequestServices.GetRequiredService<IHostEnvironment>().IsDevelopment()) return $"{http.Request.Scheme}://{http.Request.Host}";
        throw new InvalidOperationException($"{PublicBaseUrlKey} is not configured (required outside Development).");
    }

    public static WebApplicationBuilder AddTransportSecurity(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var production = !builder.Environment.IsDevelopment();
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Only the configured proxies are believed; ASP.NET's default trusts loopback, which a co-hosted process could abuse.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in configuration.GetSection("Proxy:KnownProxies").Get<string[]>() ?? [])
            {
                o.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }
        });
        builder.Services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        if (production)
        {
            // Session and anti-forgery cookies never travel over plain HTTP outside Development.
            builder.Services.PostConfigureAll<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(o => o.Cookie.SecurePolicy = CookieSecurePolicy.Always);
            builder.Services.PostConfigure<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>(o => o.Cookie.SecurePolicy = CookieSecurePolicy.Always);
        }
        return builder;
    }

    public static WebApplication UseTransportSecurity(this WebApplication app)
    {
        // Checked once everything is configured (a host or test adds configuration after the builder code ran).
        if (!app.Environment.IsDevelopment() && !Uri.TryCreate(app.Configuration[PublicBaseUrlKey], UriKind.Absolute, out _))
        {
            throw new InvalidOperationException($"{PublicBaseUrlKey} must be set to the service's public origin outside Development: tablet links are never built from a request's Host header.");
        }
        app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment() && app.Configuration.GetValue("Hosting:RequireHttps", true))
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }
        // Patient data must not stay in a browser's or a proxy's cache.
        app.Use((http, next) =>
        {
            if (http.Request.Path.StartsWithSegments("/api")) http.Response.Headers.CacheControl = "no-store";
            return next(http);
        });
        return app;
    }
}
