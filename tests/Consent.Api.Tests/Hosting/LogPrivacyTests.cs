using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace Consent.Api.Tests.Hosting;

/// <summary>Everything the service logs while a patient consents, read back from its own log pipeline.</summary>
[Trait("Category", "Infrastructure")]
public sealed class LogPrivacyTests
{
    /// <summary>Each event as a reader of the log would see it: the rendered message, every property and the exception.</summary>
    private sealed class CapturingSink : ILogEventSink
    {
        public ConcurrentQueue<(LogEventLevel Level, string Text)> Events { get; } = new();

        public void Emit(LogEvent logEvent)
        {
            var text = string.Join('\n', [
                logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture),
                .. logEvent.Properties.Select(p => $"{p.Key}={p.Value}"),
                logEvent.Exception?.ToString() ?? ""]);
            Events.Enqueue((logEvent.Level, text));
        }
    }

    /// <summary>A value no innocent text can hold: the same run's marker, never a word the service or a library writes.</summary>
    private static string Marker(string prefix) => prefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));

    /// <summary>The marker as a whole token (not inside a longer word), in any case.</summary>
    private static bool Holds(string text, string marker) =>
        Regex.IsMatch(text, $@"(?<![A-Za-z0-9]){Regex.Escape(marker)}(?![A-Za-z0-9])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private static ApiFactory VerboseHost(CapturingSink sink) => new(new Dictionary<string, string?>
    {
        // Everything the service would write at its most verbose, request logs included.
        ["Serilog:MinimumLevel:Default"] = "Debug",
        ["Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware"] = "Information",
        // A schema of its own, created by this host: what a new database logs is part of what is checked.
        ["Store:Schema"] = "logs_" + Guid.NewGuid().ToString("N")[..8],
    }, services => services.AddSingleton<ILogEventSink>(sink));

    [Fact]
    public async Task Patient_ids_names_and_question_text_never_reach_the_logs()
    {
        var patientId = Marker("MRN-");
        var signerSurname = Marker("Doe");
        var healthWord = Marker("hiv");
        var staffNoteName = Marker("Example");
        var sink = new CapturingSink();
        await using var factory = VerboseHost(sink);
        // Request logs go to this host's own logger, not the process-wide one another test host may have replaced.
        factory.Services.GetService<Serilog.ILogger>().ShouldNotBeNull();
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: patientId);
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture", stopAt: "decision");
        (await tablet.PostAsync($"/api/consents/{id}/questions", ConsentDriver.Json(new { text = $"Is my {healthWord} status relevant?" }))).EnsureSuccessStatusCode();
        (await driver.Coordinator.PostAsync($"/api/consents/{id}/resume", ConsentDriver.Json(new { note = $"Discussed with Mrs {staffNoteName}" }))).EnsureSuccessStatusCode();
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture", stopAt: "signature");
        var signed = await tablet.PostAsync($"/api/consents/{id}/steps/signature", ConsentDriver.Json(new
        {
            signerName = $"Jane {signerSurname}", signerRole = "patient", signatureImage = ConsentDriver.SignaturePng, intent = true,
        }));
        signed.IsSuccessStatusCode.ShouldBeTrue(await signed.Content.ReadAsStringAsync());
        await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents?patientId={patientId}");
        await factory.ClientAs("integration", driver.Clinic).GetFromJsonAsync<JsonElement>($"/api/gate?patientId={patientId}&procedureCode=MSC-1");
        (await driver.Coordinator.PostAsync("/api/consents", ConsentDriver.Json(new { patientId, procedureCode = "MSC-1", workflowId = "nope", locale = "en" }))).IsSuccessStatusCode.ShouldBeFalse();

        sink.Events.ShouldNotBeEmpty("the capture sees the service's log events");
        sink.Events.ShouldContain(e => e.Text.Contains("/api/consents/{id}/steps/{stepId}", StringComparison.Ordinal), "request logs name route templates");
        // The check itself finds a marker wherever an event shows it, also when the message joins it from two properties.
        Holds($"consent for {patientId}, signed", patientId).ShouldBeTrue();
        Holds($"consent for {patientId}x", patientId).ShouldBeFalse("a longer token is another value");
        foreach (var (what, marker) in new[] { ("patient id", patientId), ("signer's name", signerSurname), ("question text", healthWord), ("staff note", staffNoteName) })
        {
            sink.Events.Where(e => Holds(e.Text, marker)).Select(e => e.Text).ShouldBeEmpty($"the {what} ('{marker}') is personal or health data");
        }
    }

    [Fact]
    public async Task A_patients_name_and_date_of_birth_recorded_with_the_consent_never_reach_the_logs()
    {
        var surname = Marker("Rivera");
        var sink = new CapturingSink();
        await using var factory = VerboseHost(sink);
        factory.Services.GetService<Serilog.ILogger>().ShouldNotBeNull();
        var driver = new ConsentDriver(factory);
        var created = await driver.Coordinator.PostAsync("/api/consents", ConsentDriver.Json(new
        {
            patientId = "urn:oid:2.16.840.1.113883.19.5|MRN-9", procedureCode = "MSC-1", workflowId = "lumbar-puncture", locale = "en",
            patientName = $"Ana {surname}", patientBirthDate = "1980-04-23",
        }));
        created.IsSuccessStatusCode.ShouldBeTrue(await created.Content.ReadAsStringAsync());
        (await driver.Coordinator.PostAsync("/api/consents", ConsentDriver.Json(new
        {
            patientId = "MRN-9", procedureCode = "MSC-1", workflowId = "lumbar-puncture", locale = "en", patientName = $"Ana {surname}", patientBirthDate = "23/04/1980",
        }))).IsSuccessStatusCode.ShouldBeFalse();
        await driver.Coordinator.GetFromJsonAsync<JsonElement>("/api/consents");

        sink.Events.ShouldNotBeEmpty();
        sink.Events.Where(e => Holds(e.Text, surname) || e.Text.Contains("1980-04-23", StringComparison.Ordinal) || e.Text.Contains("23/04/1980", StringComparison.Ordinal))
            .Select(e => e.Text).ShouldBeEmpty("a patient's name and date of birth are personal data");
    }

    [Fact]
    public async Task A_new_database_schema_is_created_without_writing_its_sql_above_debug()
    {
        var sink = new CapturingSink();
        await using var factory = VerboseHost(sink);
        (await factory.CreateClient().GetAsync("/health/live")).EnsureSuccessStatusCode();

        sink.Events.Where(e => e.Level > LogEventLevel.Debug && e.Text.Contains("CREATE TABLE", StringComparison.OrdinalIgnoreCase))
            .Select(e => e.Text[..Math.Min(200, e.Text.Length)])
            .ShouldBeEmpty("schema DDL is noise in the console, at most a Debug event");
    }
}
