using System.Security.Cryptography;
using System.Text;
using Consent.Api.Auth;

namespace Consent.Api.Auditing;

/// <summary>Who did something, as recorded on every event: never a name or other personal data.</summary>
public sealed record Actor(string Subject, string Role, string Device, string IpHash)
{
    /// <summary>The device session: its declared id, or its address hash when it declares none.</summary>
    public string DeviceKey => Device == "unknown" ? "ip:" + IpHash : Device;

    public IReadOnlyDictionary<string, string> Metadata(DateTimeOffset at) => new Dictionary<string, string>
    {
        ["actor"] = Subject,
        ["role"] = Role,
        ["device"] = Device,
        ["ipHash"] = IpHash,
        ["at"] = at.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The service itself acting on a consent (a timer, a newly published version).</summary>
    public static Actor Service(string what) => new("system:" + what, "system", "service", "");

    public static Actor From(HttpContext http)
    {
        // A tablet page's session names its device itself; API callers may declare theirs.
        var device = http.User.FindFirst(TabletClaims.Device)?.Value ?? http.Request.Headers["X-Device-Id"].ToString();
        if (device.Length is 0 or > 64 || !device.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) device = "unknown";
        // A hash, not the address: enough to tell devices apart in an investigation, useless to re-identify a person.
        var ip = http.Connection.RemoteIpAddress?.ToString() ?? "";
        var ipHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("consent-ip|" + ip)))[..16];
        return new Actor(
            http.User.FindFirst(StaffRoles.SubjectClaim)?.Value ?? "anonymous",
            http.User.FindFirst(StaffRoles.RoleClaim)?.Value ?? "none",
            device, ipHash);
    }
}
