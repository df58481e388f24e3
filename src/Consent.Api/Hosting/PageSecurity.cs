namespace Consent.Api.Hosting;

/// <summary>Headers for the server-rendered pages (tablet and dashboard): they show patient data.</summary>
public static class PageSecurity
{
    public static void UseStrictPageHeaders(this WebApplication app, PathString prefix)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments(prefix), pages => pages.Use((http, next) =>
        {
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                    + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
                // Never kept by the browser, so Back after a session ends shows nothing.
                if (http.Response.ContentType is not { } type || type.StartsWith("text/html", StringComparison.Ordinal)
                    || type.StartsWith("text/csv", StringComparison.Ordinal) || type.Contains("json", StringComparison.Ordinal) || type.StartsWith("image/png", StringComparison.Ordinal))
                {
                    headers.CacheControl = "no-store";
                    headers.Pragma = "no-cache";
                }
                return Task.CompletedTask;
            });
            return next(http);
        }));
    }
}
