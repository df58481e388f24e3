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

public sealed partial class StaffAccounts(IDocumentStore store, IOptions<StaffSettings> settings, TimeProvider clock, ILogger<StaffAccounts> log) : IHostedService
{
    private static readonly PasswordHasher<StaffAccount> Hasher = new();
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

    /// <summary>The account when the password is right and the account is not locked; every failure counts toward a lockout.</summary>
    public async Task<StaffAccount?> VerifyAsync(string? username, string? password, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(username) || username.Length > 100 || string.IsNullOrEmpty(password) || password.Length > 200)
        {
            return null;
        }
        await using var session = store.LightweightSession();
        var account = await session.LoadAsync<StaffAccount>(username.Trim().ToLowerInvariant(), ct);
        if (account is null)
        {
            Hasher.VerifyHashedPassword(new StaffAccount(), DecoyHash, password);
            return null;
        }
        var now = clock.GetUtcNow();
        if (account.LockedUntil > now) return null;
        if (Hasher.VerifyHashedPassword(account, account.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            account.FailedAttempts++;
            if (account.FailedAttempts >= settings.Value.LockoutAttempts)
            {
                account.LockedUntil = now.AddMinutes(settings.Value.LockoutMinutes);
                account.FailedAttempts = 0;
                WriteLocked(log, settings.Value.LockoutMinutes);
            }
            session.Store(account);
            await session.SaveChangesAsync(ct);
            return null;
        }
        if (account.FailedAttempts > 0 || account.LockedUntil is not null)
        {
            account.FailedAttempts = 0;
            account.LockedUntil = null;
            session.Store(account);
            await session.SaveChangesAsync(ct);
        }
        return account;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} local staff accounts created or updated from configuration")]
    private static partial void WriteSeeded(ILogger logger, int count);

    // No username in the log: a log reader has no need for it.
    [LoggerMessage(Level = LogLevel.Warning, Message = "A staff account was locked for {Minutes} minutes after repeated failed sign-ins")]
    private static partial void WriteLocked(ILogger logger, int minutes);
}
