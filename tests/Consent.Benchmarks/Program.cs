using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Workflows.Loading;
using HdrHistogram;
using Npgsql;

// Drives N simulated tablets through the stem-cell consent over real HTTP against the running service, and in
// the same run measures a raw Npgsql baseline doing the equivalent writes (event insert + projection upsert per
// step, one transaction) at the same concurrency. Usage (bench.sh passes these):
//   Consent.Benchmarks BASE_URL POSTGRES KEY_FILE SERVICE_PID WORKFLOWS_DIR seconds-per-level AMQP_URI SUITE [ARGS...]
// SUITE: sessions | events | gate | records | all, or one step of the growth suite (growth-templates, growth-load PHASE,
// growth-measure PHASE READY_MS, growth-report VERIFY_MS). Tables go to artifacts/bench/<suite>.json with SVG charts.
var baseUrl = args[0];
var postgres = args[1];
var key = LocalTokens.ReadOrCreateKey(args[2]);
var servicePid = int.Parse(args[3], CultureInfo.InvariantCulture);
var definition = WorkflowCatalog.LoadDirectory(args[4]).Find("stem-cell-ms") ?? throw new InvalidOperationException("stem-cell-ms missing");
var repoRoot = Path.GetDirectoryName(Path.GetFullPath(args[4]).TrimEnd('/'))!;
Report.Directory = Path.Combine(repoRoot, "artifacts", "bench");
var seconds = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 20;
var amqp = args.Length > 6 ? args[6] : "";
var suite = args.Length > 7 ? args[7] : "all";
var coordinator = LocalTokens.Create(key, "bench-coordinator", StaffRoles.Coordinator, "bench", TimeSpan.FromHours(4), DateTimeOffset.UtcNow);
var clinician = LocalTokens.Create(key, "bench-clinician", StaffRoles.Clinician, "bench", TimeSpan.FromHours(4), DateTimeOffset.UtcNow);

if (suite == "charts")
{
    // Draws the charts again from the JSON the last runs wrote.
    if (Report.Read("events") is { } events) Charts.Events(events);
    if (Report.Read("sessions") is { } sessionCharts) Charts.Sessions(sessionCharts);
    if (Report.Read("growth") is { } growthCharts) Charts.Growth(growthCharts);
    return 0;
}

if (suite is "records" or "all")
{
    Consent.Api.Records.RecordFonts.Install(null);
    var records = new Report("records");
    RecordsBenchmark.Run(records);
    Console.WriteLine($"tables: {records.Save()}");
    if (suite == "records") return 0;
    Console.WriteLine();
}

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { BaseAddress = new Uri(baseUrl) };
var tablets = new TabletDriver(http, definition, coordinator, clinician);
if (suite.StartsWith("growth-", StringComparison.Ordinal))
{
    var growth = new GrowthBenchmark(http, postgres, tablets, key, Path.Combine(repoRoot, ".data", "bench"), seconds, servicePid);
    var extra = args.Skip(8).ToArray();
    await (suite switch
    {
        "growth-templates" => growth.TemplatesAsync(),
        "growth-load" => growth.LoadAsync(extra[0]),
        "growth-measure" => growth.MeasureAsync(extra[0], double.Parse(extra[1], CultureInfo.InvariantCulture)),
        "growth-report" => growth.ReportAsync(double.Parse(extra[0], CultureInfo.InvariantCulture)),
        _ => throw new ArgumentException($"unknown suite {suite}"),
    });
    return 0;
}
if (suite is "events" or "gate" or "all")
{
    Console.WriteLine($"Consent events benchmark: {Environment.ProcessorCount} cores, {seconds} s per level");
    var report = new Report("events");
    await EventsBenchmark.RunAsync(http, postgres, amqp, key, seconds, lag: suite != "gate", report);
    Console.WriteLine($"tables: {report.Save(new() { ["secondsPerLevel"] = seconds })}");
    Charts.Events(report);
    if (suite != "all") return 0;
    Console.WriteLine();
}
await Baseline.Prepare(postgres);
await using var baselineSource = NpgsqlDataSource.Create(postgres);

// Warm-up, not reported: first connections, JIT tiering and the first prepared statements, on both sides. The service
// gets 15 s: after 3 s its JIT was still tiering up (its compiler thread took a fifth of the machine through the whole
// 1-tablet level, its hot paths still in instrumented code), so that level measured start-up, not a running clinic.
await Levels.Run(16, 15, (i, h, deadline) => tablets.Walk(i, h, deadline));
await Levels.Run(4, 3, (_, h, deadline) => Baseline.Walk(baselineSource, h, deadline, definition.Steps.Length + 3));

var sessions = new Report("sessions");
var table = sessions.Add("tablets", "Tablets through the stem-cell consent over HTTP, beside raw Npgsql writes",
    "tablets", "steps_per_s", "p50_ms", "p99_ms", "consents_per_s", "baseline_steps_per_s", "baseline_p99_ms", "ratio", "peak_service_mb");
Console.WriteLine($"Consent benchmark: {Environment.ProcessorCount} cores, {seconds} s per level, stem-cell-ms v{definition.Version}");
Console.WriteLine("tablets | service steps/s | p50 ms | p99 ms | consents/s | baseline steps/s | base p99 ms | ratio | peak service MB");
foreach (var level in new[] { 1, 4, 16 })
{
    var (service, baseline) = await Levels.InTurns(level, seconds,
        (i, h, deadline) => tablets.Walk(i, h, deadline), (_, h, deadline) => Baseline.Walk(baselineSource, h, deadline, definition.Steps.Length + 3));
    var peak = Levels.PeakMb(servicePid);
    table.Row(level, service.StepsPerSecond, Levels.Ms(service.Histogram, 50), Levels.Ms(service.Histogram, 99), service.ConsentsPerSecond,
        baseline.StepsPerSecond, Levels.Ms(baseline.Histogram, 99), service.StepsPerSecond / baseline.StepsPerSecond, peak);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{level,7} | {service.StepsPerSecond,15:0} | {Levels.Ms(service.Histogram, 50),6:0.0} | {Levels.Ms(service.Histogram, 99),6:0.0} | {service.ConsentsPerSecond,10:0.00} | {baseline.StepsPerSecond,16:0} | {Levels.Ms(baseline.Histogram, 99),11:0.0} | {service.StepsPerSecond / baseline.StepsPerSecond,5:0.00} | {peak,15:0}"));
}
Console.WriteLine($"tables: {sessions.Save(new() { ["secondsPerLevel"] = seconds, ["workflow"] = $"stem-cell-ms v{definition.Version}" })}");
Charts.Sessions(sessions);
return 0;

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

    /// <summary>One writer until the deadline; <paramref name="source"/> is shared by all and outlives the levels, as a service's pool does.</summary>
    public static async Task<(long Steps, long Consents)> Walk(NpgsqlDataSource source, LongHistogram latency, DateTime deadline, int stepsPerConsent)
    {
        long steps = 0, consents = 0;
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
