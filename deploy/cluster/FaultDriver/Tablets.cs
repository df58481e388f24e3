using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Consent.Workflows.Definitions;
using HdrHistogram;

namespace Consent.Cluster.FaultDriver;

/// <summary>One failed attempt: when it ended (ms from the run's start) and what it was (HTTP status or exception).</summary>
internal sealed record Failure(long AtMs, string Kind);

/// <summary>A step the service acknowledged (2xx): it must be stored exactly once, whatever fails after.</summary>
internal sealed record AckedStep(string Clinic, string ConsentId, string StepId);

/// <summary>A consent a coordinator started (the create was acknowledged) in a clinic, and whether it was countersigned.</summary>
internal sealed record StartedConsent(string Clinic, bool Granted);

/// <summary>What the tablets saw: every acknowledgement, every failed attempt and every answer that was wrong.</summary>
internal sealed class Ledger
{
    private readonly LongHistogram _latency = new(TimeSpan.FromMinutes(5).Ticks / 10, 3);

    public Stopwatch Clock { get; } = Stopwatch.StartNew();
    public ConcurrentQueue<Failure> Failures { get; } = new();
    public ConcurrentQueue<AckedStep> Acked { get; } = new();
    public ConcurrentQueue<string> WrongAnswers { get; } = new();
    /// <summary>Every consent a coordinator started, by id.</summary>
    public ConcurrentDictionary<string, StartedConsent> Consents { get; } = new();
    public long GaveUp;

    public void RecordLatency(TimeSpan elapsed)
    {
        lock (_latency) _latency.RecordValue(Math.Max(1, elapsed.Ticks / 10));
    }

    public double LatencyMs(double percentile)
    {
        lock (_latency) return _latency.TotalCount == 0 ? double.NaN : _latency.GetValueAtPercentile(percentile) / 1000.0;
    }

    public long NowMs => Clock.ElapsedMilliseconds;
}

/// <summary>
/// Simulated tablets of one clinic walking the stem-cell consent over HTTP through HAProxy, as a real tablet would: every command
/// with its own Idempotency-Key, sent again with the same key after any failure that may not have reached the
/// service or whose answer was lost (5xx, timeout, connection reset), until it is acknowledged. A 4xx is a wrong
/// answer: a tablet that follows the flow and retries with the same key must never get one.
/// </summary>
internal sealed class Tablets(HttpClient http, Demo demo, WorkflowDefinition definition, Ledger ledger)
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(120);
    // A whole PNG (a blank 40x10 grey image): the service decodes a drawn signature and refuses a file that only starts
    // like one (DrawnSignature), which the PNG magic bytes followed by zeros, this driver's signature before, now are.
    private const string Signature = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAACgAAAAKCAAAAADj8UOMAAAAEUlEQVR42mP4TyRgGFVIX4UAI/uOgGWVNeQAAAAASUVORK5CYII=";
    private static readonly string[] Routes = ["iv", "lp", "both"];

    public async Task RunAsync(int index, CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++) await OneConsentAsync(index, n, stop);
    }

    private async Task OneConsentAsync(int index, int n, CancellationToken stop)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var created = await SendAsync($"/api/consents", demo.Coordinator, null,
            new { patientId = $"FAULT-{run}-{index}-{n}", procedureCode = "MSC", workflowId = definition.Id, locale = "en" });
        if (created is not { } view) return;
        var id = view.GetProperty("id").GetString()!;
        var token = view.GetProperty("tabletToken").GetString()!;
        ledger.Consents[id] = new StartedConsent(demo.Clinic, Granted: false);
        var route = Routes[(index + n) % Routes.Length];
        var device = new DeviceSecret();
        // A tablet stops between steps, never inside one: every step sent is either acknowledged or given up on.
        while (!stop.IsCancellationRequested && view.TryGetProperty("currentStep", out var current) && current.ValueKind == JsonValueKind.Object)
        {
            var step = definition.FindStep(current.GetProperty("id").GetString()!)!;
            var answered = await SendAsync($"/api/consents/{id}/steps/{step.Id}", token, device, Answer(step, route));
            if (answered is null) return;
            ledger.Acked.Enqueue(new AckedStep(demo.Clinic, id, step.Id));
            view = answered.Value;
        }
        if (stop.IsCancellationRequested) return;
        if (await SendAsync($"/api/consents/{id}/countersign", demo.Clinician, null, new { attestation = true }) is not null)
        {
            ledger.Consents[id] = new StartedConsent(demo.Clinic, Granted: true);
        }
    }

    /// <summary>The acknowledged answer, or null when the service gave a wrong answer (4xx) or never answered.</summary>
    private async Task<JsonElement?> SendAsync(string path, string bearer, DeviceSecret? device, object body)
    {
        var key = Guid.NewGuid().ToString();
        var json = JsonSerializer.Serialize(body, JsonSerializerOptions.Web);
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < GiveUpAfter)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            request.Headers.Add("Idempotency-Key", key);
            if (device?.Secret is { } secret) request.Headers.Add("Consent-Device", secret);
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                using var response = await http.SendAsync(request, timeout.Token);
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                var status = (int)response.StatusCode;
                if (device is not null && response.Headers.TryGetValues("Consent-Device", out var issued)) device.Secret = issued.First();
                if (status is >= 200 and < 300)
                {
                    ledger.RecordLatency(Stopwatch.GetElapsedTime(started));
                    return JsonDocument.Parse(text).RootElement.Clone();
                }
                if (status >= 500)
                {
                    ledger.Failures.Enqueue(new Failure(ledger.NowMs, status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }
                else
                {
                    ledger.WrongAnswers.Enqueue($"{status} on {Shape(path)}: {Truncate(text)}");
                    return null;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                ledger.Failures.Enqueue(new Failure(ledger.NowMs, ex is OperationCanceledException ? "timeout" : "connection"));
            }
            await Task.Delay(250);
        }
        Interlocked.Increment(ref ledger.GaveUp);
        return null;
    }

    private static string Shape(string path) => string.Join('/', path.Split('/').Select(p => p.StartsWith("cns_", StringComparison.Ordinal) ? "{id}" : p));

    private static string Truncate(string text) => text.Length > 300 ? text[..300] : text;

    private static object Answer(StepDefinition step, string route) => step.Type switch
    {
        StepType.Explain => new { acknowledged = true },
        StepType.Risk => new { acknowledged = true, initials = "FT" },
        StepType.Quiz => new { answer = step.CorrectOption },
        StepType.Choice => new { option = route },
        StepType.Provision => new { accept = true },
        StepType.Decision => new { consent = true },
        // A witness-only step (stem-cell-ms v2, published for clinic demo) is signed by the witness.
        _ => (object)new { signerName = "Fault Patient", signerRole = step.SignerRoles.All(r => r == SignerRole.Witness) ? "witness" : "patient", signatureImage = Signature, intent = true },
    };

    /// <summary>
    /// The secret the service issues a tablet on its link's first use (<c>Consent-Device</c>), sent back on every later
    /// request. A tablet whose first answer is lost holds no secret and is refused from then on, as a tablet page whose
    /// first answer is lost is: staff issue a new link.
    /// </summary>
    private sealed class DeviceSecret
    {
        public string? Secret { get; set; }
    }
}
