namespace Consent.Api.Auth;

public static class IdentityApi
{
    /// <summary>Who the caller is, as the service sees the token: lets integrators check their setup.</summary>
    public static IEndpointRouteBuilder MapIdentityApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me", (HttpContext http) => TypedResults.Ok(new CallerView(
                http.User.FindFirst(StaffRoles.SubjectClaim)?.Value ?? "",
                http.User.FindFirst(StaffRoles.RoleClaim)?.Value ?? "",
                http.User.FindFirst(StaffRoles.ClinicClaim)?.Value ?? "")))
            .RequireAuthorization()
            .WithTags("Identity")
            .WithSummary("The caller's subject, role and clinic as read from its token.")
            .WithName("getCaller");
        return app;
    }

    public sealed record CallerView(string Sub, string Role, string Clinic);
}
