using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Consent.Cluster.FaultDriver;
using Consent.Workflows.Loading;

// The fault suite's driver (deploy/cluster/faults.sh runs it against a running cluster):
//   scenario NAME INJECT HEAL   tablets walk consents through HAProxy; after a warm-up INJECT runs (a shell command that
//                               breaks something), HEAL after the hold time; then the checks; prints one RESULT line
//   throughput SECONDS          tablets only, for the 1-versus-3-instances comparison; prints one RESULT line
// Options (environment): FAULT_DEMOS (the clinics' demo files, comma-separated; tablets are shared out among the clinics
// in turn), FAULT_WORKFLOWS, FAULT_TABLETS (4), FAULT_WARMUP (8 s), FAULT_HOLD (25 s between INJECT and HEAL),
// FAULT_AFTER (20 s of load after HEAL), FAULT_PG_NODES (each PostgreSQL node's superuser connection string, one a
// line) and FAULT_RELAY_SQL (relay-holders.sql): with both, the relay lock's holders are watched on every node.
var mode = args.Length > 0 ? args[0] : throw new ArgumentException("usage: scenario NAME INJECT HEAL | throughput SECONDS");
var demos = Env("FAULT_DEMOS", ".data/cluster/demo.json").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Demo.Read).ToList();
var catalog = WorkflowCatalog.LoadDirectory(Env("FAULT_WORKFLOWS", "workflows"));
var tablets = int.Parse(Env("FAULT_TABLETS", "4"), CultureInfo.InvariantCulture);

// No cookies: each request may land on any instance, which is the point; a browser would stay on one until it fails.
using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
{
    BaseAddress = new Uri(demos[0].BaseUrl), Timeout = TimeSpan.FromSeconds(30),
};
var ledger = new Ledger();
// The stem-cell consent as each clinic publishes it (demo has v2, approved for it alone; another clinic v1).
var drivers = demos.Select(demo => new Tablets(http, demo, catalog.FindFor(demo.Clinic, "stem-cell-ms") ?? throw new InvalidOperationException($"stem-cell-ms missing for {demo.Clinic}"), ledger)).ToList();
using var stop = new CancellationTokenSource();
Task RunTablets() => Task.WhenAll(Enumerable.Range(0, tablets).Select(i => Task.Run(() => drivers[i % drivers.Count].RunAsync(i, stop.Token))));

if (mode == "throughput")
{
    var seconds = int.Parse(args[1], CultureInfo.InvariantCulture);
    var load = RunTablets();
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
var watches = new List<EventWatch>();
foreach (var demo in demos) watches.Add(await EventWatch.StartAsync(demo.AmqpUri, demo.Clinic));
await using var relays = new RelayWatch(Env("FAULT_PG_NODES", "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
    Env("FAULT_RELAY_SQL", "") is { Length: > 0 } sqlFile ? File.ReadAllText(sqlFile) : "", ledger);
var watchingRelays = Environment.GetEnvironmentVariable("FAULT_PG_NODES") is { Length: > 0 } && Environment.GetEnvironmentVariable("FAULT_RELAY_SQL") is { Length: > 0 };
if (watchingRelays) relays.Start();
var tabletsRunning = RunTablets();
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
var leaders = watchingRelays ? relays.Leaders(injectedAt, Env("FAULT_DATABASES", "").Split(',', StringSplitOptions.RemoveEmptyEntries)) : [];
foreach (var leader in leaders) Log($"{name}: relay of {leader.Database}: {leader.Path} (at most {leader.MaxHolders} holder at once, longest without one {leader.LongestGapSeconds} s)");
var clinics = new List<ClinicCheck>();
for (var c = 0; c < demos.Count; c++)
{
    clinics.Add(new ClinicCheck(demos[c].Clinic, await Checks.StepsAsync(http, demos[c], ledger),
        await Checks.EventsAsync(http, demos[c], ledger, watches[c], TimeSpan.FromSeconds(90))));
}
foreach (var watch in watches) await watch.DisposeAsync();
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
    consents = clinics.Sum(c => c.Steps.Consents), ackedSteps = clinics.Sum(c => c.Steps.AckedSteps), stepsLost = clinics.Sum(c => c.Steps.Lost),
    stepsDoubled = clinics.Sum(c => c.Steps.Doubled), chainsBroken = clinics.Sum(c => c.Steps.ChainsBroken),
    eventsExpected = clinics.Sum(c => c.Events.Expected), eventsLost = clinics.Sum(c => c.Events.Lost),
    eventsDuplicateIds = clinics.Sum(c => c.Events.DuplicateIds), redelivered = clinics.Sum(c => c.Events.Redelivered),
    p99Ms = Math.Round(ledger.LatencyMs(99), 1),
    clinics = clinics.Select(c => new
    {
        clinic = c.Clinic, c.Steps.Consents, c.Steps.AckedSteps, stepsLost = c.Steps.Lost, stepsDoubled = c.Steps.Doubled, c.Steps.ChainsBroken,
        eventsExpected = c.Events.Expected, eventsLost = c.Events.Lost, eventsDuplicateIds = c.Events.DuplicateIds, c.Events.Redelivered,
    }),
    relayLeaders = leaders,
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
