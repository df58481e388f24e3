using MailKit.Security;

namespace Consent.Api.Dashboard.Email;

/// <summary>
/// Where one clinic's staff alerts are e-mailed: <c>Notifications:Email:Clinics:&lt;clinic&gt;:{Host, Port, Tls, Username,
/// PasswordFile, From, To}</c>. The password is never in configuration itself: <c>PasswordFile</c> names a file (a
/// mounted secret) that holds it. <c>Tls</c> is <c>StartTls</c> (the default), <c>SslOnConnect</c>, or <c>None</c> for
/// a relay on the same host.
/// </summary>
public sealed class ClinicMailbox
{
    public string Host { get; set; } = "";
    public int Port { get; set; } = 587;
    public string Tls { get; set; } = "StartTls";
    public string? Username { get; set; }
    public string? PasswordFile { get; set; }
    public string From { get; set; } = "";
    public List<string> To { get; set; } = [];

    public SecureSocketOptions Security => Tls.ToUpperInvariant() switch
    {
        "NONE" => SecureSocketOptions.None,
        "SSLONCONNECT" => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTls,
    };

    /// <summary>What is wrong with this clinic's settings, so the service refuses to start rather than drop alerts later.</summary>
    public IEnumerable<string> Problems(string clinic)
    {
        if (string.IsNullOrWhiteSpace(Host)) yield return $"Notifications:Email:Clinics:{clinic}:Host is missing";
        if (Port is < 1 or > 65535) yield return $"Notifications:Email:Clinics:{clinic}:Port is not a port";
        if (Tls.ToUpperInvariant() is not ("NONE" or "STARTTLS" or "SSLONCONNECT")) yield return $"Notifications:Email:Clinics:{clinic}:Tls must be StartTls, SslOnConnect or None";
        if (!IsAddress(From)) yield return $"Notifications:Email:Clinics:{clinic}:From is not an e-mail address";
        if (To.Count == 0 || !To.All(IsAddress)) yield return $"Notifications:Email:Clinics:{clinic}:To must list e-mail addresses";
        if (Username is { Length: > 0 } && string.IsNullOrWhiteSpace(PasswordFile)) yield return $"Notifications:Email:Clinics:{clinic}:PasswordFile is missing for its Username";
        if (PasswordFile is { Length: > 0 } file && !File.Exists(file)) yield return $"Notifications:Email:Clinics:{clinic}:PasswordFile does not exist";
    }

    private static bool IsAddress(string text) => MimeKit.MailboxAddress.TryParse(text, out var address) && address.Address.Contains('@', StringComparison.Ordinal);
}

/// <summary>All clinics' mailboxes and how hard to try: <c>Notifications:Email:RetryDelaysMilliseconds</c> (default 2 s, 10 s, 60 s).</summary>
public sealed class StaffEmailSettings
{
    public Dictionary<string, ClinicMailbox> Clinics { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The wait before each retry; one more than these attempts in all. Null: the defaults (a configured list would be appended to a default one).</summary>
    public List<int>? RetryDelaysMilliseconds { get; set; }

    public IReadOnlyList<TimeSpan> RetryDelays() => [.. (RetryDelaysMilliseconds ?? [2_000, 10_000, 60_000]).Select(ms => TimeSpan.FromMilliseconds(ms))];

    /// <summary>Where the dashboard is, for the link in the mail; else <c>Tablet:PublicBaseUrl</c>.</summary>
    public string? DashboardBaseUrl { get; set; }

    /// <summary>Alerts waiting to be sent at most; beyond it new ones are dropped and counted (a long SMTP outage).</summary>
    public int QueueLimit { get; set; } = 1_000;

    /// <summary>How long one SMTP conversation may take.</summary>
    public int TimeoutMilliseconds { get; set; } = 20_000;
}
