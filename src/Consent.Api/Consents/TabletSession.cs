using System.Security.Cryptography;
using System.Text;

namespace Consent.Api.Consents;

/// <summary>
/// A tablet link: one consent, one clinic, an expiry. Only the SHA-256 of the token is stored, so a database
/// reader cannot open a consent with it.
/// </summary>
public sealed class TabletSession
{
    public const string TokenPrefix = Auth.TabletClaims.TokenPrefix;

    public string Id { get; set; } = "";
    public string ConsentId { get; set; } = "";
    public string ClinicId { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevokedReason { get; set; }
    /// <summary>The device session that first used the link; no other device may use it after that.</summary>
    public string? BoundDevice { get; set; }

    public bool IsUsable(DateTimeOffset now) => RevokedAt is null && now < ExpiresAt;

    public static string NewToken() => TokenPrefix + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

}
