using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Consent.Api.Auth;

/// <summary>
/// Tokens signed with the local key (development, demo, tests). Compiled into both the API and the CLI,
/// so that the issuer, audience and key format can never drift between the two.
/// </summary>
public static class LocalTokens
{
    public const string Issuer = "consent-local";
    public const string Audience = "consent-api";
    public const string DefaultKeyFile = ".data/local-signing.key";
    /// <summary>OIDC's claim for when the person signed in (seconds since 1970).</summary>
    public const string AuthTimeClaim = "auth_time";

    // HMAC-SHA256 keys shorter than 256 bits are rejected by the token handler, and guessable ones are useless.
    private const int KeyBytes = 32;

    /// <summary>Reads the base64 key from <paramref name="path"/>, creating a fresh random one if the file is missing.</summary>
    public static SymmetricSecurityKey ReadOrCreateKey(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var fresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes));
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            using var writer = new StreamWriter(stream);
            writer.Write(fresh);
        }
        return KeyFromBase64(File.ReadAllText(path).Trim());
    }

    public static SymmetricSecurityKey KeyFromBase64(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        if (bytes.Length < KeyBytes)
        {
            throw new InvalidOperationException($"The local signing key must be at least {KeyBytes} bytes.");
        }
        return new SymmetricSecurityKey(bytes) { KeyId = "local" };
    }

    /// <summary><paramref name="name"/>, when given, is the person's display name (OIDC's <c>name</c>): staff signatures are in it.</summary>
    public static string Create(SecurityKey key, string subject, string role, string clinic, TimeSpan lifetime, DateTimeOffset now, string? name = null)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = now.Add(lifetime).UtcDateTime,
            Subject = new ClaimsIdentity(
            [
                new Claim(StaffRoles.SubjectClaim, subject),
                new Claim(StaffRoles.RoleClaim, role),
                new Claim(StaffRoles.ClinicClaim, clinic),
                new Claim("jti", Guid.NewGuid().ToString("N")),
                // When the person signed in (OIDC's auth_time): a staff signature needs a recent one (21 CFR 11.200).
                new Claim(AuthTimeClaim, now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
            ]),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        };
        if (name is not null) descriptor.Subject.AddClaim(new Claim("name", name));
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
