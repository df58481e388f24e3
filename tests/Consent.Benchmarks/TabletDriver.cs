using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Consent.Workflows.Definitions;
using HdrHistogram;

/// <summary>
/// Simulated tablets: a coordinator starts a consent, the tablet answers every step of the stem-cell consent over HTTP,
/// a clinician countersigns. Each step's latency goes to a histogram.
/// </summary>
internal sealed class TabletDriver(HttpClient http, WorkflowDefinition definition, string coordinator, string clinician)
{
    private static readonly string[] Routes = ["iv", "lp", "both"];
    private readonly string _signature = Signature(0);

    private static string Signature(int serial) => "data:image/png;base64," + Convert.ToBase64String(SignatureDrawing.Png(serial));

    public int StepsPerConsent => definition.Steps.Length;

    /// <summary>One tablet: consents one after another until the deadline.</summary>
    public async Task<(long Steps, long Consents)> Walk(int index, LongHistogram latency, DateTime deadline, string patientPrefix = "BENCH")
    {
        long steps = 0, consents = 0;
        while (DateTime.UtcNow < deadline)
        {
            var (_, walked) = await WalkOne($"{patientPrefix}-{index}-{consents}", (int)((index + consents) % Routes.Length), index, latency);
            steps += walked;
            consents++;
        }
        return (steps, consents);
    }

    /// <summary>
    /// One consent from start to countersignature; returns its id and the steps answered. The drawn signature is the same
    /// image for every consent unless <paramref name="signatureSerial"/> asks for one of its own.
    /// </summary>
    public async Task<(string Id, long Steps)> WalkOne(string patientId, int route, int device, LongHistogram? latency, int signatureSerial = 0)
    {
        var signature = signatureSerial == 0 ? _signature : Signature(signatureSerial);
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/consents")
        {
            Content = Json(new { patientId, procedureCode = "MSC", workflowId = "stem-cell-ms", locale = "en" }),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", coordinator);
        var created = await EventsBenchmark.SendJson(http, create);
        var id = created.GetProperty("id").GetString()!;
        var token = created.GetProperty("tabletToken").GetString()!;
        var view = created;
        long steps = 0;
        // The secret the service issues the tablet on its link's first use (Consent-Device), sent back on every later step.
        string? deviceSecret = null;
        while (view.TryGetProperty("currentStep", out var current) && current.ValueKind == JsonValueKind.Object)
        {
            var step = definition.FindStep(current.GetProperty("id").GetString()!)!;
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{id}/steps/{step.Id}") { Content = Json(Answer(step, Routes[route % Routes.Length], signature)) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("X-Device-Id", $"bench-tablet-{device}");
            if (deviceSecret is not null) request.Headers.Add("Consent-Device", deviceSecret);
            var started = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            latency?.RecordValue(Stopwatch.GetElapsedTime(started).Ticks / 10);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {request.RequestUri}: {(int)response.StatusCode} {body}");
            if (response.Headers.TryGetValues("Consent-Device", out var issued)) deviceSecret = issued.First();
            view = body;
            steps++;
        }
        using var countersign = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{id}/countersign") { Content = Json(new { attestation = true }) };
        countersign.Headers.Authorization = new AuthenticationHeaderValue("Bearer", clinician);
        await EventsBenchmark.SendJson(http, countersign);
        return (id, steps);
    }

    private static object Answer(StepDefinition step, string route, string signature) => step.Type switch
    {
        StepType.Explain => new { acknowledged = true },
        StepType.Risk => new { acknowledged = true, initials = "BM" },
        StepType.Quiz => new { answer = step.CorrectOption },
        StepType.Choice => new { option = route },
        StepType.Provision => new { accept = true },
        StepType.Decision => new { consent = true },
        _ => (object)new { signerName = "Bench Patient", signerRole = "patient", signatureImage = signature, intent = true },
    };

    public static StringContent Json(object body) => new(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json");
}

internal sealed record LevelResult(double StepsPerSecond, double ConsentsPerSecond, LongHistogram Histogram);

internal static class Levels
{
    public static double Ms(LongHistogram h, double percentile) => h.TotalCount == 0 ? double.NaN : h.GetValueAtPercentile(percentile) / 1000.0;

    public static LongHistogram Histogram() => new(TimeSpan.FromMinutes(2).Ticks / 10, 3);

    /// <summary><paramref name="workers"/> walkers side by side for <paramref name="seconds"/>.</summary>
    public static async Task<LevelResult> Run(int workers, int seconds, Func<int, LongHistogram, DateTime, Task<(long Steps, long Consents)>> walk)
    {
        var histograms = Enumerable.Range(0, workers).Select(_ => Histogram()).ToArray();
        var clock = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        var results = await Task.WhenAll(Enumerable.Range(0, workers).Select(i => Task.Run(() => walk(i, histograms[i], deadline))));
        var elapsed = clock.Elapsed.TotalSeconds;
        var all = Histogram();
        foreach (var h in histograms) all.Add(h);
        return new LevelResult(results.Sum(r => r.Steps) / elapsed, results.Sum(r => r.Consents) / elapsed, all);
    }

    /// <summary>VmHWM: the service process's peak resident memory since it started.</summary>
    public static double PeakMb(int pid)
    {
        var status = $"/proc/{pid}/status";
        if (pid <= 0 || !File.Exists(status)) return double.NaN;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }
}
