using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Consent.Api.Auth;

/// <summary>
/// A signed token can still carry text no record may hold: a <c>sub</c> with a NUL character reached the event's actor
/// and failed the write with a 500. Such a token is not a valid identity (401), whoever signed it.
/// </summary>
public static class ClaimTextChecks
{
    public const int MaxSubjectLength = 200;

    public static IServiceCollection AddClaimTextChecks(this IServiceCollection services)
    {
        // After AuthSetup's own configuration, which may replace the events object.
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, jwt =>
        {
            var before = jwt.Events.OnTokenValidated;
            jwt.Events.OnTokenValidated = async context =>
            {
                await before(context);
                if (context.Principal is { } principal && Problem(principal) is { } problem) context.Fail(problem);
            };
        });
        return services;
    }

    private static string? Problem(System.Security.Claims.ClaimsPrincipal principal)
    {
        foreach (var claim in principal.Claims)
        {
            if (claim.Value.Any(char.IsControl)) return $"The token's '{claim.Type}' claim holds a control character.";
        }
        return principal.FindFirst(StaffRoles.SubjectClaim)?.Value is { } sub && (sub.Length > MaxSubjectLength || string.IsNullOrWhiteSpace(sub))
            ? "The token's 'sub' claim is empty or too long." : null;
    }
}
