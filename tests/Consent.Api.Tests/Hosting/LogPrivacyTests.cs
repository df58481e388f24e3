using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace Consent.Api.Tests.Hosting;

/// <summary>Everything the service logs while a patient consents, read back from its own log pipeline.</summary>
public sealed class LogPrivacyTests
{
    private sealed class CapturingSink : ILogEventSink
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public void Emit(LogEvent logEvent)
        {
            using var writer = new StringWriter();
            new Serilog.Formatting.Compact.CompactJsonFormatter().Format(logEvent, writer);
            Lines.Enqueue(writer.ToString());
        }
    }

    [Fact]
    public async Task Patient_ids_names_and_question_text_never_reach_the_logs()
    {
        var sink = new CapturingSink();
        await using var factory = new ApiFactory(new Dictionary<string, string?>
        {
            // Everything the service would write at its most verbose, request logs included.
            ["Serilog:MinimumLevel:Default"] = "Debug",
            ["Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware"] = "Information",
        }, services => services.AddSingleton<ILogEventSink>(sink));
        // Request logs go to this host's own logger, not the process-wide one another test host may have replaced.
        factory.Services.GetService<Serilog.ILogger>().ShouldNotBeNull();
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: "MRN-PRIVATE-4711");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture", stopAt: "decision");
        (await tablet.PostAsync($"/api/consents/{id}/questions", ConsentDriver.Json(new { text = "Is my HIV status relevant?" }))).EnsureSuccessStatusCode();
        (await driver.Coordinator.PostAsync($"/api/consents/{id}/resume", ConsentDriver.Json(new { note = "Discussed with Mrs Example" }))).EnsureSuccessStatusCode();
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        await driver.Coordinator.GetFromJsonAsync<JsonElement>("/api/consents?patientId=MRN-PRIVATE-4711");
        await factory.ClientAs("integration", driver.Clinic).GetFromJsonAsync<JsonElement>("/api/gate?patientId=MRN-PRIVATE-4711&procedureCode=MSC-1");
        (await driver.Coordinator.PostAsync("/api/consents", ConsentDriver.Json(new { patientId = "MRN-PRIVATE-4711", procedureCode = "MSC-1", workflowId = "nope", locale = "en" }))).IsSuccessStatusCode.ShouldBeFalse();

        sink.Lines.ShouldNotBeEmpty("the capture sees the service's log events");
        sink.Lines.ShouldContain(l => l.Contains("/api/consents/{id}/steps/{stepId}", StringComparison.Ordinal), "request logs name route templates");
        foreach (var secret in new[] { "MRN-PRIVATE-4711", "Jane Doe", "HIV", "Mrs Example" })
        {
            sink.Lines.Where(l => l.Contains(secret, StringComparison.OrdinalIgnoreCase)).ShouldBeEmpty($"'{secret}' is personal or health data");
        }
    }
}
