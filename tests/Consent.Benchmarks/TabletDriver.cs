using System.Collections.Concurrent;
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

    // Per tablet (index and patient prefix), the consent it is in the middle of and how many it has started: a tablet
    // stops at its deadline between two steps and goes on from there the next time it is asked to walk.
    private readonly ConcurrentDictionary<(int, string), Tablet> _tablets = new();

    private sealed class Tablet
    {
        public long Started;
        public IAsyncEnumerator<(long Micros, string? Id)>? Open;
    }

    /// <summary>One tablet: consents one after another until the deadline, the last one left where it stood at it.</summary>
    public async Task<(long Steps, long Consents)> Walk(int index, LongHistogram latency, DateTime deadline, string patientPrefix = "BENCH")
    {
        var tablet = _tablets.GetOrAdd((index, patientPrefix), _ => new Tablet());
        long steps = 0, consents = 0;
        while (DateTime.UtcNow < deadline)
        {
            if (tablet.Open is null)
            {
                var serial = tablet.Started++;
                tablet.Open = Requests($"{patientPrefix}-{index}-{serial}", (int)((index + serial) % Routes.Length), index, 0).GetAsyncEnumerator();
            }
            if (!await tablet.Open.MoveNextAsync())
            {
                await tablet.Open.DisposeAsync();
                tablet.Open = null;
                consents++;
                continue;
            }
            if (tablet.Open.Current.Id is null)
            {
                latency.RecordValue(tablet.Open.Current.Micros);
                steps++;
            }
        }
        return (steps, consents);
    }

    /// <summary>
    /// One consent from start to countersignature; returns its id and the steps answered. The drawn signature is the same
    /// image for every consent unless <paramref name="signatureSerial"/> asks for one of its own.
    /// </summary>
    public async Task<(string Id, long Steps)> WalkOne(string patientId, int route, int device, LongHistogram? latency, int signatureSerial = 0)
    {
        string? id = null;
        long steps = 0;
        await foreach (var (micros, done) in Requests(patientId, route, device, signatureSerial))
        {
            if (done is not null)
            {
                id = done;
                continue;
            }
            latency?.RecordValue(micros);
            steps++;
        }
        return (id!, steps);
    }

    /// <summary>One consent as its requests: an item per answered step (its latency in µs), the last item its id once countersigned.</summary>
    private async IAsyncEnumerable<(long Micros, string? Id)> Requests(string patientId, int route, int device, int signatureSerial)
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
            var micros = Stopwatch.GetElapsedTime(started).Ticks / 10;
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {request.RequestUri}: {(int)response.StatusCode} {body}");
            if (response.Headers.TryGetValues("Consent-Device", out var issued)) deviceSecret = issued.First();
            view = body;
            yield return (micros, null);
        }
        using var countersign = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{id}/countersign") { Content = Json(new { attestation = true }) };
        countersign.Headers.Authorization = new AuthenticationHeaderValue("Bearer", clinician);
        await EventsBenchmark.SendJson(http, countersign);
        yield return (0, id);
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

    /// <summary>
    /// Runs <paramref name="count"/> loads for <paramref name="seconds"/> each, in alternating turns of about 2 s:
    /// <paramref name="turn"/> gets the load's index and the turn's length. So the machine's swings fall on the service
    /// and what it is compared with alike: run back to back, the raw baseline alone moved between 413 and 897 steps/s at
    /// 1 tablet from one run to the next. The gate suite and the tablets share this schedule.
    /// </summary>
    public static async Task Alternate(int seconds, int count, Func<int, double, Task> turn)
    {
        var turns = Math.Max(1, seconds / 2);
        for (var round = 0; round < turns; round++)
        {
            for (var k = 0; k < count; k++) await turn(k, (double)seconds / turns);
        }
    }

    /// <summary>Both walks for <paramref name="seconds"/> each, in turns (<see cref="Alternate"/>); at a turn's end a tablet stops between two steps (<see cref="TabletDriver.Walk"/>).</summary>
    public static async Task<(LevelResult A, LevelResult B)> InTurns(int workers, int seconds,
        Func<int, LongHistogram, DateTime, Task<(long Steps, long Consents)>> a, Func<int, LongHistogram, DateTime, Task<(long Steps, long Consents)>> b)
    {
        Func<int, LongHistogram, DateTime, Task<(long Steps, long Consents)>>[] walks = [a, b];
        var totals = new (long Steps, long Consents, double Seconds, LongHistogram Latency)[] { (0, 0, 0, Histogram()), (0, 0, 0, Histogram()) };
        await Alternate(seconds, walks.Length, async (k, turnSeconds) =>
        {
            var histograms = Enumerable.Range(0, workers).Select(_ => Histogram()).ToArray();
            var clock = Stopwatch.StartNew();
            var deadline = DateTime.UtcNow.AddSeconds(turnSeconds);
            var results = await Task.WhenAll(Enumerable.Range(0, workers).Select(i => Task.Run(() => walks[k](i, histograms[i], deadline))));
            var t = totals[k];
            foreach (var h in histograms) t.Latency.Add(h);
            totals[k] = (t.Steps + results.Sum(r => r.Steps), t.Consents + results.Sum(r => r.Consents), t.Seconds + clock.Elapsed.TotalSeconds, t.Latency);
        });
        var measured = totals.Select(t => new LevelResult(t.Steps / t.Seconds, t.Consents / t.Seconds, t.Latency)).ToArray();
        return (measured[0], measured[1]);
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
