using System.Globalization;
using System.Security.Claims;
using Consent.Workflows.Runtime;

namespace Consent.Api.Auth;

/// <summary>
/// A staff signature on the API (countersign, a clinician's reaffirmation, a withdrawal on the patient's behalf) is
/// bound to the token's account and needs a recent sign-in: the token's <c>auth_time</c> no older than
/// <see cref="AuthSettings.RecentSignInSeconds"/> (21 CFR 11.200: both identification components at signing). An
/// identity provider is asked for one with <c>max_age</c> or <c>prompt=login</c>.
/// </summary>
public static class RecentSignIn
{
    public const string AuthTimeClaim = LocalTokens.AuthTimeClaim;
    public const string NameClaim = "name";

    /// <summary>The signer the token proves, or why it does not (the answer is a 401 asking for a fresh sign-in).</summary>
    public static (StaffSigner? Signer, string? Why) FromToken(ClaimsPrincipal user, TimeSpan maxAge, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(user);
        var subject = user.FindFirst(StaffRoles.SubjectClaim)?.Value;
        if (string.IsNullOrWhiteSpace(subject)) return (null, "A staff signature needs a token naming its account (sub).");
        if (!long.TryParse(user.FindFirst(AuthTimeClaim)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            || seconds < 0 || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return (null, "A staff signature needs a fresh sign-in: this token carries no auth_time. Sign in again (max_age or prompt=login) and retry.");
        }
        var at = DateTimeOffset.FromUnixTimeSeconds(seconds);
        // A sign-in "in the future" beyond clock skew is as unusable as an old one.
        if (now - at > maxAge || at - now > TimeSpan.FromMinutes(5))
        {
            return (null, $"A staff signature needs a fresh sign-in: this token's sign-in is older than {maxAge.TotalSeconds:0} seconds. Sign in again and retry.");
        }
        var name = user.FindFirst(NameClaim)?.Value is { Length: > 0 } n ? n : subject;
        return (new StaffSigner(subject, name, StaffSigner.TokenAuthTime, at), null);
    }
}
