using System.Security.Cryptography;
using System.Text;

namespace Consent.Api.Tablet;

/// <summary>
/// The device a tablet link is bound to when the JSON API uses it: a 256-bit secret the service issues in the
/// <c>Consent-Device</c> response header on the link's first use, which the device sends back on every later request.
/// The service keeps only a digest of it. (The tablet's pages bind the same way through their session cookie.)
/// </summary>
public static class TabletDevice
{
    public const string Header = "Consent-Device";

    public static string NewSecret() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static bool IsWellFormed(string secret) => secret.Length == 43 && secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>The device's key as bound and recorded on its events: a digest, so the history never holds the secret.</summary>
    public static string KeyOf(string secret) => "api-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(secret)))[..40];
}
