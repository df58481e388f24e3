using System.Diagnostics.Metrics;
using Consent.Api.Auth;
using Marten;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Consent.Api.Dashboard;

/// <summary>
/// A local web sign-in for clinic staff (the demo clinic, or a clinic without an identity provider). Only a salted,
/// iterated hash of the password is stored; an account locks for a while after repeated failures.
/// </summary>
public sealed class StaffAccount
{
    /// <summary>The username in lower case: usernames are unique across the service.</summary>
    public string Id { get; set; } = "";
    public string Username { get; set; } = "";
    public string ClinicId { get; set; } = "";
    public string Role { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    public int FailedAttempts { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
}

/// <summary>Settings under <c>Staff</c>: local accounts to create or update at start-up (<c>Staff:Local:0:Username</c>…).</summary>
public sealed class StaffSettings
{
    public List<LocalStaffEntry> Local { get; set; } = [];
    public int LockoutAttempts { get; set; } = 5;
    public int LockoutMinutes { get; set; } = 15;
    /// <summary>Failures from one client address, whatever usernames they tried, before it is locked out too.</summary>
    public int AddressLockoutAttempts { get; set; } = 20;
    /// <summary>A dashboard session ends after this long without a request.</summary>
    public int SessionMinutes { get; set; } = 30;
}

public sealed class LocalStaffEntry
{
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";
    public string Role { get; set; } = "";
    public string Clinic { get; set; } = "";
    public string DisplayName { get; set; } = "";
}

public sealed partial class StaffAccounts(
    IDocumentStore store, SignInThrottle throttle, IOptions<StaffSettings> settings, TimeProvider clock, ILogger<StaffAccounts> log, IMeterFactory meters)
    : IHostedService
{
    /// <summary>Password hashes computed for sign-ins: one for every attempt, whatever its outcome (the time it costs hides the outcome).</summary>
    private readonly Counter<long> _passwordChecks = meters.Create("Consent").CreateCounter<long>("consent.signin.password_checks");
    private readonly Counter<long> _failures = meters.Create("Consent.Dashboard").CreateCounter<long>("consent.signin.failures", "{attempt}", "Refused sign-ins (locked: the account or address was locked).");
    private readonly Counter<long> _lockouts = meters.Create("Consent.Dashboard").CreateCounter<long>("consent.signin.lockouts", "{lockout}", "Accounts or client addresses locked after repeated failures.");

    private static readonly PasswordHasher<StaffAccount> Hasher = new();
    private static readonly SemaphoreSlim Hashing = new(Math.Max(1, Environment.ProcessorCount / 2));
    // Verified when the username is unknown, so that a wrong name costs as long as a wrong password.
    private static readonly string DecoyHash = Hasher.HashPassword(new StaffAccount(), Guid.NewGuid().ToString());

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var entries = settings.Value.Local.Where(e => !string.IsNullOrWhiteSpace(e.Username)).ToList();
        if (entries.Count == 0) return;
        await using var session = store.LightweightSession();
        foreach (var entry in entries)
        {
            if (!StaffRoles.All.Contains(entry.Role) || entry.Role == StaffRoles.Integration || string.IsNullOrWhiteSpace(entry.Clinic) || entry.Password.Length < 12)
            {
                throw new InvalidOperationException($"Staff:Local account '{entry.Username}' needs a staff role (coordinator, clinician, admin), a clinic and a password of at least 12 characters.");
            }
            var id = entry.Username.Trim().ToLowerInvariant();
            var account = await session.LoadAsync<StaffAccount>(id, cancellationToken) ?? new StaffAccount { Id = id };
            account.Username = entry.Username.Trim();
            account.ClinicId = entry.Clinic;
            account.Role = entry.Role;
            account.DisplayName = string.IsNullOrWhiteSpace(entry.DisplayName) ? entry.Username : entry.DisplayName;
            if (account.PasswordHash.Length == 0 || Hasher.VerifyHashedPassword(account, account.PasswordHash, entry.Password) == PasswordVerificationResult.Failed)
            {
                account.PasswordHash = Hasher.HashPassword(account, entry.Password);
            }
            session.Store(account);
        }
        await session.SaveChangesAsync(cancellationToken);
        WriteSeeded(log, entries.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The account when the password is right and neither the account nor the client address is locked; every other
    /// attempt counts as a failure against both. Each outcome costs the same (one lookup, one password hash, one write),
    /// so the time taken does not tell a locked account, an unknown name and a wrong password apart.
    /// </summary>
    public async Task<StaffAccount?> VerifyAsync(string? username, string? password, string clientAddress, CancellationToken ct)
    {
        var wellFormed = !string.IsNullOrWhiteSpace(username) && username.Length <= 100 && !string.IsNullOrEmpty(password) && password.Length <= 200;
        var id = wellFormed ? username!.Trim().ToLowerInvariant() : null;
        var keys = SignInThrottle.KeysOf(id, clientAddress);
        var now = clock.GetUtcNow();
        var locked = await throttle.IsLockedAsync(keys, now, ct);
        StaffAccount? account = null;
        if (id is not null)
        {
            await using var session = store.QuerySession();
            account = await session.LoadAsync<StaffAccount>(id, ct);
        }
        bool right;
        // A flood of sign-ins must not take every thread for hashing: that starved the database's connection attempts
        // (30 at once timed out and answered 500). They wait here without holding a thread instead.
        await Hashing.WaitAsync(ct);
        try
        {
            right = Hasher.VerifyHashedPassword(account ?? new StaffAccount(), account?.PasswordHash ?? DecoyHash, password ?? "") != PasswordVerificationResult.Failed;
            _passwordChecks.Add(1);
        }
        finally
        {
            Hashing.Release();
        }
        if (account is not null && right && !locked)
        {
            await throttle.ClearAccountAsync(account.Id, ct);
            return account;
        }
        _failures.Add(1, new KeyValuePair<string, object?>("reason", locked ? "locked" : "refused"));
        if (await throttle.RecordFailureAsync(keys, now, ct))
        {
            _lockouts.Add(1);
            WriteLocked(log, settings.Value.LockoutMinutes);
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} local staff accounts created or updated from configuration")]
    private static partial void WriteSeeded(ILogger logger, int count);

    // No username in the log: a log reader has no need for it.
    [LoggerMessage(Level = LogLevel.Warning, Message = "A staff account or client address was locked for {Minutes} minutes after repeated failed sign-ins")]
    private static partial void WriteLocked(ILogger logger, int minutes);
}
