using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Consent.Cluster.FaultDriver;
using Consent.Workflows.Loading;

// The fault suite's driver (deploy/cluster/faults.sh runs it against a running cluster):
//   scenario NAME INJECT HEAL   tablets walk consents through HAProxy; after a warm-up INJECT runs (a shell command that
//                               breaks something), HEAL after the hold time; then the checks; prints one RESULT line
//   throughput SECONDS          tablets only, for the 1-versus-3-instances comparison; prints one RESULT line
// Options (environment): FAULT_DEMO (demo.json), FAULT_WORKFLOWS, FAULT_TABLETS (4), FAULT_WARMUP (8 s), FAULT_HOLD
// (25 s between INJECT and HEAL), FAULT_AFTER (20 s of load after HEAL).
var mode = args.Length > 0 ? args[0] : throw new ArgumentException("usage: scenario NAME INJECT HEAL | throughput SECONDS");
var demo = Demo.Read(Env("FAULT_DEMO", ".data/cluster/demo.json"));
var definition = WorkflowCatalog.LoadDirectory(Env("FAULT_WORKFLOWS", "workflows")).FindFor(demo.Clinic, "stem-cell-ms") ?? throw new InvalidOperationException("stem-cell-ms missing");
var tablets = int.Parse(Env("FAULT_TABLETS", "4"), CultureInfo.InvariantCulture);

// No cookies: each request may land on any instance, which is the point; a browser would stay on one until it fails.
using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
{
    BaseAddress = new Uri(demo.BaseUrl), Timeout = TimeSpan.FromSeconds(30),
};
var ledger = new Ledger();
var driver = new Tablets(http, demo, definition, ledger);
using var stop = new CancellationTokenSource();

if (mode == "throughput")
{
    var seconds = int.Parse(args[1], CultureInfo.InvariantCulture);
    var load = Task.WhenAll(Enumerable.Range(0, tablets).Select(i => Task.Run(() => driver.RunAsync(i, stop.Token))));
    await Task.Delay(TimeSpan.FromSeconds(3)); // warm-up: first connections and JIT, not counted
    var (steps0, t0) = (ledger.Acked.Count, ledger.NowMs);
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    var (steps1, t1) = (ledger.Acked.Count, ledger.NowMs);
    await stop.CancelAsync();
    await load;
    Result(new
    {
        tablets, stepsPerSecond = Math.Round((steps1 - steps0) * 1000.0 / (t1 - t0), 1),
        p50Ms = Math.Round(ledger.LatencyMs(50), 1), p99Ms = Math.Round(ledger.LatencyMs(99), 1),
        failedAttempts = ledger.Failures.Count, wrongAnswers = ledger.WrongAnswers.Count,
    });
    return 0;
}

var (name, inject, heal) = (args[1], args[2], args[3]);
var warmup = Seconds("FAULT_WARMUP", 8);
var hold = Seconds("FAULT_HOLD", 25);
var after = Seconds("FAULT_AFTER", 20);
await using var watch = await EventWatch.StartAsync(demo.AmqpUri, demo.Clinic);
var tabletsRunning = Task.WhenAll(Enumerable.Range(0, tablets).Select(i => Task.Run(() => driver.RunAsync(i, stop.Token))));
await Task.Delay(warmup);
var failuresBefore = ledger.Failures.Count;
var injectedAt = ledger.NowMs;
Log($"{name}: inject: {inject}");
await Shell(inject);
await Task.Delay(hold);
Log($"{name}: heal: {heal}");
var healedAt = ledger.NowMs;
await Shell(heal);
await Task.Delay(after);
await stop.CancelAsync();
await tabletsRunning;
Log($"{name}: load stopped after {ledger.Acked.Count} acknowledged steps; checking");

var during = ledger.Failures.Skip(failuresBefore).ToList();
var steps = await Checks.StepsAsync(http, demo, ledger);
var events = await Checks.EventsAsync(http, demo, ledger, watch, TimeSpan.FromSeconds(90));
foreach (var wrong in ledger.WrongAnswers.Take(5)) Log($"{name}: wrong answer: {wrong}");
Result(new
{
    name,
    failedAttempts = during.Count,
    failureKinds = string.Join(' ', during.GroupBy(f => f.Kind).OrderByDescending(g => g.Count()).Select(g => $"{g.Key}x{g.Count()}")),
    recoverySeconds = during.Count == 0 ? 0 : Math.Round((during.Max(f => f.AtMs) - injectedAt) / 1000.0, 1),
    // A fault that lasts until it is healed (both PostgreSQL nodes down) is over only once the heal has run.
    afterHealSeconds = during.Count == 0 ? 0 : Math.Round(Math.Max(0, during.Max(f => f.AtMs) - healedAt) / 1000.0, 1),
    wrongAnswers = ledger.WrongAnswers.Count,
    gaveUp = ledger.GaveUp,
    steps.Consents, steps.AckedSteps, stepsLost = steps.Lost, stepsDoubled = steps.Doubled, steps.ChainsBroken,
    eventsExpected = events.Expected, eventsLost = events.Lost, eventsDuplicateIds = events.DuplicateIds, events.Redelivered,
    p99Ms = Math.Round(ledger.LatencyMs(99), 1),
});
return 0;

static string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;

static TimeSpan Seconds(string name, int fallback) => TimeSpan.FromSeconds(int.Parse(Env(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture));

static void Log(string line) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

static void Result(object result) => Console.WriteLine("RESULT " + JsonSerializer.Serialize(result, JsonSerializerOptions.Web));

static async Task Shell(string command)
{
    using var process = Process.Start(new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = false }) ?? throw new InvalidOperationException("bash did not start");
    await process.WaitForExitAsync();
    if (process.ExitCode != 0) throw new InvalidOperationException($"'{command}' exited with {process.ExitCode}");
}

/// <summary>The cluster's demo.json: where the service is, a subscriber's AMQP URI and one token per role.</summary>
internal sealed record Demo(string BaseUrl, string AmqpUri, string Clinic, string Coordinator, string Clinician, string Integration)
{
    public static Demo Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        var tokens = root.GetProperty("tokens");
        return new Demo(root.GetProperty("baseUrl").GetString()!, root.GetProperty("amqpUri").GetString()!,
            root.GetProperty("scheduler").GetProperty("clinic").GetString()!, tokens.GetProperty("coordinator").GetString()!,
            tokens.GetProperty("clinician").GetString()!, tokens.GetProperty("integration").GetString()!);
    }
}
