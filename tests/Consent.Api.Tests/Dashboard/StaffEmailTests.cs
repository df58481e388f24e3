using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Serilog.Core;
using Serilog.Events;

namespace Consent.Api.Tests.Dashboard;

/// <summary>
/// Staff alerts by e-mail, delivered to a real SMTP server (Debian's aiosmtpd, started here on a free port, writing a
/// maildir): what the mail says, what it never says, and that a missing server neither slows nor fails the tablet.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class StaffEmailTests
{
    private const string Python = "/usr/bin/python3";

    /// <summary>An SMTP server as a clinic would run one, receiving into a maildir this test reads (one it creates: an existing empty directory is not a maildir).</summary>
    private sealed class SmtpServer : IAsyncDisposable
    {
        private readonly Process _process;

        private SmtpServer(Process process, string maildir) => (_process, Maildir) = (process, maildir);

        public string Maildir { get; }

        public static async Task<SmtpServer> StartAsync(int port, string maildir)
        {
            File.Exists(Python).ShouldBeTrue("Debian's python3 with aiosmtpd: ./deploy/local/install.sh smtp");
            var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", maildir }) start.ArgumentList.Add(a);
            var process = Process.Start(start)!;
            var server = new SmtpServer(process, maildir);
            for (var waited = Stopwatch.StartNew(); ; await Task.Delay(100))
            {
                if (process.HasExited) throw new InvalidOperationException("aiosmtpd stopped: " + await process.StandardError.ReadToEndAsync());
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, port);
                    return server;
                }
                catch (SocketException) when (waited.Elapsed < TimeSpan.FromSeconds(20))
                {
                }
            }
        }

        /// <summary>The mails delivered so far, parsed as any mail reader would.</summary>
        public IReadOnlyList<MimeMessage> Mails() => Directory.Exists(Path.Combine(Maildir, "new"))
            ? [.. Directory.GetFiles(Path.Combine(Maildir, "new")).Select(f => MimeMessage.Load(f))]
            : [];

        public async Task<MimeMessage> NextAsync(int count = 1, int seconds = 60)
        {
            for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(seconds); await Task.Delay(200))
            {
                if (Mails() is { } mails && mails.Count >= count) return mails[count - 1];
            }
            throw new TimeoutException($"no mail arrived in {Maildir} within {seconds} s");
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }

    private sealed class CapturingSink : ILogEventSink
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public void Emit(LogEvent logEvent) => Lines.Enqueue(string.Join('\n', [
            logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture), .. logEvent.Properties.Select(p => $"{p.Key}={p.Value}"), logEvent.Exception?.ToString() ?? ""]));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Marker(string prefix) => prefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(5));

    private static ApiFactory Host(string clinic, int port, CapturingSink? sink = null) => new(new Dictionary<string, string?>
    {
        // Its own schema: the lock that picks the one instance mailing alerts is per schema.
        ["Store:Schema"] = "mail_" + Guid.NewGuid().ToString("N")[..8],
        ["Dashboard:FeedMilliseconds"] = "100",
        ["Tablet:PublicBaseUrl"] = "https://consent.clinic.test",
        [$"Clinics:TimeZones:{clinic}"] = "America/Chicago",
        [$"Records:Clinics:{clinic}:Name"] = "Lakeside Clinic",
        [$"Notifications:Email:Clinics:{clinic}:Host"] = "127.0.0.1",
        [$"Notifications:Email:Clinics:{clinic}:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"Notifications:Email:Clinics:{clinic}:Tls"] = "None",
        [$"Notifications:Email:Clinics:{clinic}:From"] = "consent@clinic.test",
        [$"Notifications:Email:Clinics:{clinic}:To:0"] = "front-desk@clinic.test",
        [$"Notifications:Email:Clinics:{clinic}:To:1"] = "nurses@clinic.test",
        ["Notifications:Email:RetryDelaysMilliseconds:0"] = "1000",
        ["Notifications:Email:RetryDelaysMilliseconds:1"] = "2000",
        ["Notifications:Email:RetryDelaysMilliseconds:2"] = "4000",
        ["Notifications:Email:RetryDelaysMilliseconds:3"] = "8000",
    }, sink is null ? null : services => services.AddSingleton<ILogEventSink>(sink));

    /// <summary>A consent with the patient's name and id recorded, opened on its tablet (the dashboard feed has started by then).</summary>
    private static async Task<(string Id, HttpClient Tablet)> StartAsync(ConsentDriver driver, string patientId, string name)
    {
        using var response = await driver.Coordinator.PostAsync("/api/consents", ConsentDriver.Json(new
        {
            patientId, procedureCode = "MSC-1", workflowId = "stem-cell-ms", locale = "en", patientName = name, patientBirthDate = "1961-02-03",
        }));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        var tablet = driver.TabletClient(body.GetProperty("tabletToken").GetString()!);
        (await tablet.GetAsync($"/api/consents/{body.GetProperty("id").GetString()}")).EnsureSuccessStatusCode();
        // The feed starts from the newest stored event when it first runs; give it a round before the alert.
        await Task.Delay(500);
        return (body.GetProperty("id").GetString()!, tablet);
    }

    private static async Task<TimeSpan> RaiseQuestionAsync(HttpClient tablet, string id, string text)
    {
        var timer = Stopwatch.StartNew();
        using var response = await tablet.PostAsync($"/api/consents/{id}/questions", ConsentDriver.Json(new { text }));
        timer.Stop();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return timer.Elapsed;
    }

    [Fact]
    public async Task A_question_on_a_tablet_mails_the_clinics_addresses_the_clinic_what_and_local_when_and_a_dashboard_link_and_no_patient_data()
    {
        var clinic = "clinic-" + Guid.NewGuid().ToString("N")[..8];
        var port = FreePort();
        await using var smtp = await SmtpServer.StartAsync(port, Path.Combine(Directory.CreateTempSubdirectory("consent-maildir-").FullName, "mail"));
        await using var factory = Host(clinic, port);
        var driver = new ConsentDriver(factory, clinic);
        var patientId = Marker("MRN-");
        var surname = Marker("Okafor");
        var question = Marker("hepatitis");
        var (id, tablet) = await StartAsync(driver, patientId, "Ngozi " + surname);

        var before = DateTimeOffset.UtcNow;
        await RaiseQuestionAsync(tablet, id, $"Is {question} a risk for me?");
        var mail = await smtp.NextAsync();

        mail.From.Mailboxes.Single().Address.ShouldBe("consent@clinic.test");
        mail.To.Mailboxes.Select(m => m.Address).ShouldBe(["front-desk@clinic.test", "nurses@clinic.test"]);
        mail.Subject.ShouldBe("Lakeside Clinic: a patient has a question");
        var body = mail.TextBody ?? "";
        body.ShouldContain("A patient at a tablet has a question");
        body.ShouldContain("Clinic: Lakeside Clinic");
        body.ShouldContain($"Open it on the dashboard: https://consent.clinic.test/dashboard/consents/{id}");
        // The clinic's local time with its zone: Chicago is UTC-6 in December and UTC-5 in summer.
        var chicago = TimeZoneInfo.FindSystemTimeZoneById("America/Chicago");
        var local = TimeZoneInfo.ConvertTime(before, chicago);
        var offset = chicago.GetUtcOffset(before).Hours;
        body.ShouldContain($"When: {local:yyyy-MM-dd} ");
        body.ShouldContain($" UTC{offset} (America/Chicago)");
        var raw = await File.ReadAllTextAsync(Directory.GetFiles(Path.Combine(smtp.Maildir, "new")).Single());
        foreach (var phi in new[] { patientId, surname, "Ngozi", question, "1961-02-03" }) raw.ShouldNotContain(phi, Case.Insensitive);

        // Each question is its own alert: after a resume, a second question is one more mail, and only one.
        using (var resume = await driver.Coordinator.PostAsync($"/api/consents/{id}/resume", ConsentDriver.Json(new { note = "Talked it through." })))
        {
            resume.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        await RaiseQuestionAsync(tablet, id, "One more thing");
        await smtp.NextAsync(count: 2);
        await Task.Delay(1500);
        smtp.Mails().Count.ShouldBe(2);
    }

    [Fact]
    public async Task With_the_smtp_server_down_the_tablet_is_answered_at_once_and_the_mail_arrives_on_a_retry_and_failures_are_logged_without_patient_data()
    {
        var clinic = "clinic-" + Guid.NewGuid().ToString("N")[..8];
        var port = FreePort();
        var sink = new CapturingSink();
        await using var factory = Host(clinic, port, sink);
        var driver = new ConsentDriver(factory, clinic);
        var patientId = Marker("MRN-");
        var surname = Marker("Haddad");
        var (id, tablet) = await StartAsync(driver, patientId, "Rami " + surname);

        // Nothing listens on the port yet: the request must not wait for SMTP, nor fail because of it.
        var took = await RaiseQuestionAsync(tablet, id, "Can my son come in with me?");
        took.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        for (var waited = Stopwatch.StartNew(); !sink.Lines.Any(l => l.Contains("Staff alert e-mail", StringComparison.Ordinal)); await Task.Delay(100))
        {
            waited.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20), "no failed attempt was logged");
        }

        await using var smtp = await SmtpServer.StartAsync(port, Path.Combine(Directory.CreateTempSubdirectory("consent-maildir-").FullName, "mail"));
        var mail = await smtp.NextAsync(seconds: 30);
        (mail.TextBody ?? "").ShouldContain($"/dashboard/consents/{id}");

        var failures = sink.Lines.Where(l => l.Contains("Staff alert e-mail", StringComparison.Ordinal)).ToList();
        failures.ShouldNotBeEmpty();
        failures.ShouldAllBe(l => l.Contains("question", StringComparison.Ordinal) && l.Contains(clinic, StringComparison.Ordinal));
        foreach (var line in sink.Lines)
        {
            line.ShouldNotContain(patientId, Case.Insensitive);
            line.ShouldNotContain(surname, Case.Insensitive);
            line.ShouldNotContain("my son", Case.Insensitive);
        }
    }
}
