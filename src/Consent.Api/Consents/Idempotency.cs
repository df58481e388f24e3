using System.Security.Cryptography;
using System.Text;

namespace Consent.Api.Consents;

/// <summary>
/// The first response to a POST with an Idempotency-Key, stored in the same transaction as the events it caused,
/// so a retry after a dropped connection gets that response again and appends nothing.
/// </summary>
public sealed class IdempotentResponse
{
    public string Id { get; set; } = "";
    public string RequestSha256 { get; set; } = "";
    public int StatusCode { get; set; }
    public string Body { get; set; } = "";
    public string? ETag { get; set; }
    public DateTimeOffset At { get; set; }

    /// <summary>Keys are per caller: one caller can never replay or probe another's.</summary>
    public static string IdFor(string caller, string key) =>
        "idem_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(caller + "|" + key)));

    public static string HashOf(string method, string path, string body) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{method} {path}\n{body}")));
}
