using System.Buffers;
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

    // char.IsControl's characters (C0, DEL and C1), searched as a span: the check runs on every bearer request.
    private static readonly SearchValues<char> ControlCharacters =
        SearchValues.Create(Enumerable.Range(0, char.MaxValue + 1).Select(c => (char)c).Where(char.IsControl).ToArray());

    private static string? Problem(System.Security.Claims.ClaimsPrincipal principal)
    {
        foreach (var claim in principal.Claims)
        {
            if (claim.Value.AsSpan().ContainsAny(ControlCharacters)) return $"The token's '{claim.Type}' claim holds a control character.";
        }
        return principal.FindFirst(StaffRoles.SubjectClaim)?.Value is { } sub && (sub.Length > MaxSubjectLength || string.IsNullOrWhiteSpace(sub))
            ? "The token's 'sub' claim is empty or too long." : null;
    }
}
