using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Consent.Api.Consents.Timers;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Observability;

/// <summary>What an operator sees of a consent walked through the service: the scrape endpoint's numbers and one trace per step.</summary>
/// <summary>
/// Meters and activity sources are process-wide by name: with other service hosts alive in the test process, a host's
/// exporter may read another host's instrument of the same name. Telemetry tests therefore run alone, after the rest,
/// as the service does in production (one host per process).
/// </summary>
[CollectionDefinition(nameof(ProcessWideTelemetry), DisableParallelization = true)]
public sealed class ProcessWideTelemetry;

[Trait("Category", "Infrastructure")]
[Collection(nameof(ProcessWideTelemetry))]
public sealed partial class TelemetryTests
{
    /// <summary>A schema of its own: its relay is the only one for its events, so the relay's numbers are this host's.</summary>
    private static ApiFactory Host() => new(new Dictionary<string, string?> { ["Store:Schema"] = "otel_" + Guid.NewGuid().ToString("N")[..8] });

    [Fact]
    public async Task Walking_a_consent_moves_the_numbers_on_the_scrape_endpoint_which_only_an_admin_reads()
    {
        await using var factory = Host();
        var driver = new ConsentDriver(factory);
        var admin = factory.ClientAs("admin", driver.Clinic);

        (await factory.CreateClient().GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await driver.Coordinator.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var before = await ScrapeAsync(admin);

        var patientId = "MRN-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(5));
        var (id, tablet, _) = await driver.Start(patientId: patientId);
        await ConsentDriver.Walk(tablet, id);
        var integration = factory.ClientAs("integration", driver.Clinic);
        for (var i = 0; i < 2; i++) (await integration.GetAsync($"/api/gate?patientId={patientId}&procedureCode=MSC-1")).EnsureSuccessStatusCode();
        await factory.Services.GetRequiredService<ConsentTimers>().RunDueAsync(CancellationToken.None);
        var signIn = PageForms.Client(factory);
        (await PageForms.PostAsync(signIn, "/dashboard/signin", "/dashboard/signin", ("username", "nobody-" + Guid.NewGuid().ToString("N")[..8]), ("password", "not the password")))
            .StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var after = await EventuallyAsync(admin, scrape => Sum(scrape, "consent_relay_lag_milliseconds_count") > Sum(before, "consent_relay_lag_milliseconds_count"));

        double Moved(string name, params string[] labels) => Sum(after, name, labels) - Sum(before, name, labels);
        // The walk answers every step the IV route shows (8 of the workflow's risks among them), each once.
        Moved("consent_steps_total", "step_type=\"risk\"", "outcome=\"done\"").ShouldBeGreaterThanOrEqualTo(8);
        Moved("consent_steps_total").ShouldBeGreaterThanOrEqualTo(15);
        Moved("consent_steps_total", "step_type=\"signature\"").ShouldBeGreaterThanOrEqualTo(1);
        Moved("consent_step_duration_milliseconds_count", "step_type=\"quiz\"").ShouldBeGreaterThanOrEqualTo(1);
        Moved("consent_writes_total", "change=\"OpenConsent\"").ShouldBeGreaterThanOrEqualTo(1);
        Moved("consent_gate_cache_total", "result=\"miss\"").ShouldBeGreaterThanOrEqualTo(1);
        Moved("consent_gate_cache_total", "result=\"hit\"").ShouldBeGreaterThanOrEqualTo(1, "the second read comes from memory");
        Moved("consent_relay_lag_milliseconds_count").ShouldBeGreaterThanOrEqualTo(1);
        Moved("consent_events_published_total").ShouldBeGreaterThanOrEqualTo(1);
        Moved("consent_timers_runs_total", "outcome=\"ok\"").ShouldBeGreaterThanOrEqualTo(1);
        Moved("consent_signin_failures_total", "reason=\"refused\"").ShouldBeGreaterThanOrEqualTo(1);
        Moved("consent_signin_password_checks_total").ShouldBeGreaterThanOrEqualTo(1);
        Moved("http_server_request_duration_seconds_count", "http_route=\"/api/consents/{id}/steps/{stepId}\"").ShouldBeGreaterThanOrEqualTo(15);
        Lines(after, "consent_relay_backlog").ShouldNotBeEmpty("the relaying instance tells how far it is behind");
        Lines(after, "consent_gate_unconfirmed_withdrawals").ShouldNotBeEmpty();

        // Labels are kinds, never identities.
        after.ShouldNotContain(patientId, Case.Insensitive);
        after.ShouldNotContain(id, Case.Insensitive);
        after.ShouldNotContain(driver.Clinic, Case.Insensitive);
    }

    [Fact]
    public async Task A_tablet_step_and_the_message_it_publishes_share_one_trace()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or "Npgsql" or "MassTransit" or "Consent.Messaging",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var factory = Host();
        var driver = new ConsentDriver(factory);
        var patientId = "MRN-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(5));
        var (id, tablet, _) = await driver.Start(patientId: patientId);
        await ConsentDriver.Walk(tablet, id, stopAt: "decision");

        // Declining changes the gate: the relay publishes ConsentDeclined and the gate's change, later, from the event table.
        (await tablet.PostAsync($"/api/consents/{id}/steps/decision", ConsentDriver.Json(new { consent = false }))).EnsureSuccessStatusCode();
        var step = spans.Single(s => s.Source.Name == "Microsoft.AspNetCore" && (s.GetTagItem("url.path") as string) == $"/api/consents/{id}/steps/decision");
        step.DisplayName.ShouldBe("POST /api/consents/{id}/steps/{stepId}", "a span is named by its route, not its path");

        // A span is seen when it stops: MassTransit's send stops inside the relay's publish span, which stops just after.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        bool Seen(string source) => spans.Any(s => s.Source.Name == source && s.TraceId == step.TraceId);
        while (!(Seen("MassTransit") && Seen("Consent.Messaging")) && DateTime.UtcNow < deadline) await Task.Delay(100);
        var trace = spans.Where(s => s.TraceId == step.TraceId).ToList();
        trace.ShouldContain(s => s.Source.Name == "Npgsql", "the step's database commands are in its trace");
        trace.ShouldContain(s => s.Source.Name == "Consent.Messaging" && s.Kind == ActivityKind.Producer, "the relay's publish continues the step's trace");
        trace.ShouldContain(s => s.Source.Name == "MassTransit", "MassTransit's send is in the same trace");

        foreach (var span in spans)
        {
            var text = span.DisplayName + " " + string.Join(" ", span.TagObjects.Select(t => $"{t.Key}={t.Value}"));
            text.ShouldNotContain(patientId, Case.Insensitive, "no patient id in a span's name or tags");
        }
    }

    private static async Task<string> ScrapeAsync(HttpClient admin)
    {
        var response = await admin.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return body;
    }

    /// <summary>Scrapes until <paramref name="ready"/> holds (the relay publishes after the answers), at most 20 s.</summary>
    private static async Task<string> EventuallyAsync(HttpClient admin, Func<string, bool> ready)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var scrape = await ScrapeAsync(admin);
            if (ready(scrape) || DateTime.UtcNow > deadline) return scrape;
            await Task.Delay(250);
        }
    }

    /// <summary>The samples of metric <paramref name="name"/> carrying every one of <paramref name="labels"/> (<c>key="value"</c>).</summary>
    private static IEnumerable<(string Labels, double Value)> Lines(string scrape, string name, params string[] labels) =>
        from line in scrape.Split('\n')
        let m = Sample().Match(line)
        where m.Success && m.Groups["name"].Value == name && labels.All(l => m.Groups["labels"].Value.Contains(l, StringComparison.Ordinal))
        select (m.Groups["labels"].Value, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    private static double Sum(string scrape, string name, params string[] labels) => Lines(scrape, name, labels).Sum(l => l.Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?\s*$")]
    private static partial Regex Sample();
}
