using Consent.Api.Clinics;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Consent.Api.Dashboard.Email;

/// <summary>
/// Sends the queued alerts, one at a time, each retried after the configured delays. Every instance's dashboard feed
/// sees every alert, so only the instance holding a PostgreSQL advisory lock mails them (one mail per alert with
/// several instances); an instance that cannot reach PostgreSQL to ask sends anyway: a second mail beats none.
/// Failures are logged with the clinic, the kind and the error's type only.
/// </summary>
public sealed partial class EmailDelivery(
    StaffEmailOutbox queue, IOptions<StaffEmailSettings> options, StaffEmailMetrics metrics, ClinicSettings clinics, NpgsqlDataSource db,
    IConfiguration configuration, ILogger<EmailDelivery> log) : BackgroundService
{
    private NpgsqlConnection? _lock;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var queued in queue.Reader.ReadAllAsync(stoppingToken))
            {
                if (!await LeadsAsync(stoppingToken)) continue;
                await DeliverAsync(queued, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; what is still queued is on the dashboard's own queue.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_lock is not null) await _lock.DisposeAsync();
    }

    private async Task DeliverAsync(QueuedAlert queued, CancellationToken ct)
    {
        var settings = options.Value;
        if (!settings.Clinics.TryGetValue(queued.Alert.ClinicId, out var mailbox)) return;
        var clinic = queued.Alert.ClinicId;
        var message = StaffEmailMessage.Compose(queued.Alert, mailbox,
            configuration[$"Records:Clinics:{clinic}:Name"] ?? clinic, clinics.ZoneOf(clinic), queued.At, DashboardBaseUrl(settings));
        var delays = settings.RetryDelays();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var client = new SmtpClient { Timeout = settings.TimeoutMilliseconds };
                await client.ConnectAsync(mailbox.Host, mailbox.Port, mailbox.Security, ct);
                if (mailbox.Username is { Length: > 0 } user)
                {
                    await client.AuthenticateAsync(user, (await File.ReadAllTextAsync(mailbox.PasswordFile!, ct)).TrimEnd('\r', '\n'), ct);
                }
                await client.SendAsync(message, ct);
                await client.DisconnectAsync(true, ct);
                metrics.Count("sent", queued.Alert.Kind);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                var last = attempt > delays.Count;
                // The SMTP reply code helps an operator; the server's text could echo the message, so it is left out.
                SendFailed(log, queued.Alert.Kind, clinic, attempt, delays.Count + 1, ex is SmtpCommandException smtp ? $"{ex.GetType().Name} {(int)smtp.StatusCode}" : ex.GetType().Name);
                metrics.Count(last ? "failed" : "retried", queued.Alert.Kind);
                if (last) return;
                await Task.Delay(delays[attempt - 1], ct);
            }
        }
    }

    private string DashboardBaseUrl(StaffEmailSettings settings) =>
        settings.DashboardBaseUrl ?? configuration[Hosting.TransportSecurity.PublicBaseUrlKey] ?? "";

    /// <summary>Whether this instance mails the alerts: it holds (or now takes) the lock on a connection kept open for it.</summary>
    private async Task<bool> LeadsAsync(CancellationToken ct)
    {
        try
        {
            if (_lock is { State: System.Data.ConnectionState.Open })
            {
                await using var alive = new NpgsqlCommand("select 1", _lock);
                await alive.ExecuteScalarAsync(ct);
                return true;
            }
            if (_lock is not null) await _lock.DisposeAsync();
            _lock = null;
            NpgsqlConnection? connection = await db.OpenConnectionAsync(ct);
            try
            {
                await using var take = new NpgsqlCommand("select pg_try_advisory_lock(hashtext($1))", connection);
                take.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"consent-staff-email:{configuration["Store:Schema"] ?? Consents.Storage.ConsentStore.DefaultSchema}" });
                if (!(bool)(await take.ExecuteScalarAsync(ct))!) return false;
                (_lock, connection) = (connection, null);
                return true;
            }
            finally
            {
                if (connection is not null) await connection.DisposeAsync();
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            if (_lock is not null) await _lock.DisposeAsync();
            _lock = null;
            LeaderUnknown(log, ex.GetType().Name);
            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Staff alert e-mail ({Kind}) for clinic {Clinic} failed, attempt {Attempt} of {Attempts}: {Error}")]
    private static partial void SendFailed(ILogger logger, string kind, string clinic, int attempt, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ask PostgreSQL which instance mails staff alerts ({Error}); this one sends")]
    private static partial void LeaderUnknown(ILogger logger, string error);
}
