using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Workflows.Definitions;
using Consent.Workflows.Loading;
using HdrHistogram;
using Npgsql;

// Drives N simulated tablets through the stem-cell consent over real HTTP against the running service, and in
// the same run measures a raw Npgsql baseline doing the equivalent writes (event insert + projection upsert per
// step, one transaction) at the same concurrency. Usage (bench.sh passes these):
//   Consent.Benchmarks BASE_URL POSTGRES KEY_FILE SERVICE_PID WORKFLOWS_DIR [seconds-per-level] [AMQP_URI] [sessions|events|gate|all]
var baseUrl = args[0];
var postgres = args[1];
var key = LocalTokens.ReadOrCreateKey(args[2]);
var servicePid = int.Parse(args[3], CultureInfo.InvariantCulture);
var definition = WorkflowCatalog.LoadDirectory(args[4]).Find("stem-cell-ms") ?? throw new InvalidOperationException("stem-cell-ms missing");
var seconds = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 20;
var signature = "data:image/png;base64," + Convert.ToBase64String(SignatureDrawing.Png());
var coordinator = LocalTokens.Create(key, "bench-coordinator", StaffRoles.Coordinator, "bench", TimeSpan.FromHours(2), DateTimeOffset.UtcNow);
var clinician = LocalTokens.Create(key, "bench-clinician", StaffRoles.Clinician, "bench", TimeSpan.FromHours(2), DateTimeOffset.UtcNow);
var routes = new[] { "iv", "lp", "both" };
var amqp = args.Length > 6 ? args[6] : "";
var suite = args.Length > 7 ? args[7] : "all";

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { BaseAddress = new Uri(baseUrl) };
if (suite is "events" or "gate" or "all")
{
    Console.WriteLine($"Consent events benchmark: {Environment.ProcessorCount} cores, {seconds} s per level");
    await EventsBenchmark.RunAsync(http, postgres, amqp, key, seconds, lag: suite != "gate");
    if (suite != "all") return 0;
    Console.WriteLine();
}
await Baseline.Prepare(postgres);

// Warm-up, not reported: first connections, JIT tiering and the first prepared statements, on both sides.
await RunLevel(4, 3, Tablet);
await RunLevel(4, 3, (_, h, deadline) => Baseline.Walk(postgres, h, deadline, definition.Steps.Length + 3));

Console.WriteLine($"Consent benchmark: {Environment.ProcessorCount} cores, {seconds} s per level, stem-cell-ms v{definition.Version}");
Console.WriteLine("tablets | service steps/s | p50 ms | p99 ms | consents/s | baseline steps/s | base p99 ms | ratio | peak service MB");
foreach (var tablets in new[] { 1, 4, 16 })
{
    var service = await RunLevel(tablets, seconds, Tablet);
    var baseline = await RunLevel(tablets, seconds, (_, h, deadline) => Baseline.Walk(postgres, h, deadline, definition.Steps.Length + 3));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{tablets,7} | {service.StepsPerSecond,15:0} | {Ms(service.Histogram, 50),6:0.0} | {Ms(service.Histogram, 99),6:0.0} | {service.ConsentsPerSecond,10:0.00} | {baseline.StepsPerSecond,16:0} | {Ms(baseline.Histogram, 99),11:0.0} | {service.StepsPerSecond / baseline.StepsPerSecond,5:0.00} | {PeakMb(servicePid),15:0}"));
}
return 0;

static double Ms(LongHistogram h, double percentile) => h.GetValueAtPercentile(percentile) / 1000.0;

// VmHWM: the service process's peak resident memory since it started.
static double PeakMb(int pid)
{
    var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
}

static async Task<LevelResult> RunLevel(int workers, int seconds, Func<int, LongHistogram, DateTime, Task<(long Steps, long Consents)>> walk)
{
    var histograms = Enumerable.Range(0, workers).Select(_ => new LongHistogram(TimeSpan.FromSeconds(30).Ticks / 10, 3)).ToArray();
    var clock = Stopwatch.StartNew();
    var deadline = DateTime.UtcNow.AddSeconds(seconds);
    var results = await Task.WhenAll(Enumerable.Range(0, workers).Select(i => Task.Run(() => walk(i, histograms[i], deadline))));
    var elapsed = clock.Elapsed.TotalSeconds;
    var all = new LongHistogram(TimeSpan.FromSeconds(30).Ticks / 10, 3);
    foreach (var h in histograms) all.Add(h);
    return new LevelResult(results.Sum(r => r.Steps) / elapsed, results.Sum(r => r.Consents) / elapsed, all);
}

// One tablet: start a consent as the coordinator, answer every step, countersign; again until the deadline.
async Task<(long Steps, long Consents)> Tablet(int index, LongHistogram latency, DateTime deadline)
{
    long steps = 0, consents = 0;
    while (DateTime.UtcNow < deadline)
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/consents")
        {
            Content = Json(new { patientId = $"BENCH-{index}-{consents}", procedureCode = "MSC", workflowId = "stem-cell-ms", locale = "en" }),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", coordinator);
        var created = await Send(create);
        var id = created.GetProperty("id").GetString()!;
        var token = created.GetProperty("tabletToken").GetString()!;
        var view = created;
        var route = routes[(index + consents) % routes.Length];
        while (view.TryGetProperty("currentStep", out var current) && current.ValueKind == JsonValueKind.Object)
        {
            var step = definition.FindStep(current.GetProperty("id").GetString()!)!;
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{id}/steps/{step.Id}") { Content = Json(Answer(step, route)) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("X-Device-Id", $"bench-tablet-{index}");
            var started = Stopwatch.GetTimestamp();
            view = await Send(request);
            latency.RecordValue(Stopwatch.GetElapsedTime(started).Ticks / 10);
            steps++;
        }
        using var countersign = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{id}/countersign") { Content = Json(new { name = "Dr. Bench", attestation = true }) };
        countersign.Headers.Authorization = new AuthenticationHeaderValue("Bearer", clinician);
        await Send(countersign);
        consents++;
    }
    return (steps, consents);
}

Task<JsonElement> Send(HttpRequestMessage request) => EventsBenchmark.SendJson(http, request);

object Answer(StepDefinition step, string route) => step.Type switch
{
    StepType.Explain => new { acknowledged = true },
    StepType.Risk => new { acknowledged = true, initials = "BM" },
    StepType.Quiz => new { answer = step.CorrectOption },
    StepType.Choice => new { option = route },
    StepType.Provision => new { accept = true },
    StepType.Decision => new { consent = true },
    _ => (object)new { signerName = "Bench Patient", signerRole = "patient", signatureImage = signature, intent = true },
};

static StringContent Json(object body) => new(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json");

internal sealed record LevelResult(double StepsPerSecond, double ConsentsPerSecond, LongHistogram Histogram);

/// <summary>The same writes without the service: an event row and a projection upsert per step, in one transaction.</summary>
internal static class Baseline
{
    public static async Task Prepare(string postgres)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            drop schema if exists bench_baseline cascade;
            create schema bench_baseline;
            create table bench_baseline.events (seq bigserial primary key, stream_id text not null, version int not null, type text not null, data jsonb not null, headers jsonb not null, unique (stream_id, version));
            create table bench_baseline.summaries (id text primary key, status text not null, version int not null, data jsonb not null);
            """, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<(long Steps, long Consents)> Walk(string postgres, LongHistogram latency, DateTime deadline, int stepsPerConsent)
    {
        long steps = 0, consents = 0;
        await using var source = NpgsqlDataSource.Create(postgres);
        var data = JsonSerializer.Serialize(new { stepId = "risk-lp-headache", initials = "BM", nextStepId = "risk-lp-back", at = DateTimeOffset.UtcNow });
        var headers = JsonSerializer.Serialize(new { actor = "tablet:bench", role = "tablet", device = "bench", prevHash = new string('0', 71), hash = new string('1', 71) });
        while (DateTime.UtcNow < deadline)
        {
            var id = "cns_" + Guid.NewGuid().ToString("N");
            for (var version = 1; version <= stepsPerConsent && DateTime.UtcNow < deadline; version++)
            {
                var started = Stopwatch.GetTimestamp();
                await using var connection = await source.OpenConnectionAsync();
                await using var tx = await connection.BeginTransactionAsync();
                await using (var read = new NpgsqlCommand("select version from bench_baseline.summaries where id = $1", connection, tx) { Parameters = { new() { Value = id } } })
                {
                    await read.ExecuteScalarAsync();
                }
                await using (var insert = new NpgsqlCommand("insert into bench_baseline.events (stream_id, version, type, data, headers) values ($1, $2, 'risk_acknowledged', $3::jsonb, $4::jsonb)", connection, tx)
                {
                    Parameters = { new() { Value = id }, new() { Value = version }, new() { Value = data }, new() { Value = headers } },
                })
                {
                    await insert.ExecuteNonQueryAsync();
                }
                await using (var upsert = new NpgsqlCommand("insert into bench_baseline.summaries (id, status, version, data) values ($1, 'in_progress', $2, $3::jsonb) on conflict (id) do update set version = excluded.version, data = excluded.data", connection, tx)
                {
                    Parameters = { new() { Value = id }, new() { Value = version }, new() { Value = data } },
                })
                {
                    await upsert.ExecuteNonQueryAsync();
                }
                await tx.CommitAsync();
                latency.RecordValue(Stopwatch.GetElapsedTime(started).Ticks / 10);
                steps++;
            }
            consents++;
        }
        return (steps, consents);
    }
}
