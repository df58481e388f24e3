using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Consent.Api.Auth;
using Consent.Api.Consents;
using Consent.Api.Consents.Storage;
using Consent.Workflows.Loading;
using HdrHistogram;
using Marten;
using Marten.Linq;
using Npgsql;

/// <summary>
/// The growth suite: the same measurements on a nearly empty database and after loading many finished consents
/// (<see cref="GrowthLoader"/>). bench.sh runs it in steps around restarts of the service; the steps share what they
/// found through a state file. Phase "empty" holds the templates and the relay's backlog only; "loaded" holds
/// CONSENT_BENCH_GROWTH_CONSENTS consents.
/// </summary>
internal sealed partial class GrowthBenchmark(
    HttpClient http, string postgres, TabletDriver tablets, Microsoft.IdentityModel.Tokens.SecurityKey key, string dataDirectory, int seconds, int servicePid)
{
    private const string Clinic = "bench";
    private const int Templates = 3;
    private static readonly string[] Statuses = ["granted", "expired", "in_progress"];

    private readonly int _consents = Setting("CONSENT_BENCH_GROWTH_CONSENTS", 100_000);
    private readonly int _backlog = Setting("CONSENT_BENCH_GROWTH_BACKLOG", 100_000);
    private string StatePath => Path.Combine(dataDirectory, "growth-state.json");

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    private JsonObject State() => File.Exists(StatePath) ? JsonNode.Parse(File.ReadAllText(StatePath))!.AsObject() : [];

    private void Save(JsonObject state) => File.WriteAllText(StatePath, state.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>The consents every loaded one is copied from, walked through the service over HTTP, one per route.</summary>
    public async Task TemplatesAsync()
    {
        var ids = new JsonArray();
        for (var i = 0; i < Templates; i++)
        {
            var (id, _) = await tablets.WalkOne($"TPL-{i}", i, 900 + i, null, signatureSerial: 900_000_000 + i);
            ids.Add(id);
        }
        File.Delete(StatePath);
        Save(new JsonObject { ["templates"] = ids, ["loaded"] = 0, ["consents"] = _consents, ["backlog"] = _backlog });
        Console.WriteLine($"growth: {Templates} template consents walked over HTTP");
    }

    public async Task LoadAsync(string phase)
    {
        var state = State();
        var templates = state["templates"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        var loaded = state["loaded"]!.GetValue<int>();
        var eventsPerConsent = await ScalarAsync<long>($"select count(*) from consent.mt_events where stream_id = any($1)", templates.ToArray()) / (double)Templates;
        // The empty phase holds just the relay's backlog (its consents have a couple of timer events more than their templates).
        var target = phase == "empty" ? (int)Math.Min(_consents, Math.Ceiling(_backlog / (eventsPerConsent + 1))) : _consents;
        var loader = new GrowthLoader(postgres, Environment.GetEnvironmentVariable("CONSENT_Signing__KeyDirectory") ?? Path.Combine(dataDirectory, "signing-keys"),
            WorkflowCatalog.LoadDirectory(Path.Combine(Report.Directory, "..", "..", "workflows")));
        var result = await loader.LoadAsync(templates, loaded, target - loaded);
        var (from, to) = await loader.RewindRelayAsync(_backlog);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"growth[{phase}]: loaded {result.Consents} consents, {result.Events} events in {result.Seconds:0.0} s ({result.Events / result.Seconds:0} events/s); relay rewound to {from} of {to}"));
        state["loaded"] = target;
        state[phase] = new JsonObject
        {
            ["consents"] = await ScalarAsync<long>("select count(*) from consent.mt_streams"),
            ["events"] = await ScalarAsync<long>("select count(*) from consent.mt_events"),
            ["loadSeconds"] = result.Seconds, ["loadEventsPerSecond"] = result.Events / result.Seconds,
            ["relayFrom"] = from, ["relayTo"] = to,
        };
        Save(state);
    }

    public async Task MeasureAsync(string phase, double readyMs)
    {
        var state = State();
        var results = state[phase]!.AsObject();
        results["readyMs"] = readyMs;
        var measured = new JsonObject();
        results["measured"] = measured;
        await using var db = NpgsqlDataSource.Create(postgres);
        // The service's peak memory after each part, in order: the part where it jumps is the one to look into.
        var peakAfter = new JsonObject();
        results["peakMbAfter"] = peakAfter;
        void Mark(string part) => peakAfter[part] = Math.Round(Levels.PeakMb(servicePid), 1);
        Mark("start");

        // The relay catching up: from the first position seen after the start to the newest event stored before it.
        var (relayEvents, relayMessages, relaySeconds) = await RelayCatchUpAsync(db, results["relayTo"]!.GetValue<long>());
        measured["relay_events_per_s"] = Figure("events/s", relayEvents / relaySeconds);
        measured["relay_gate_changes_per_s"] = Figure("gate changes/s", relayMessages / relaySeconds);
        Console.WriteLine($"growth[{phase}]: relay caught up {relayEvents} events ({relayMessages} gate changes) in {relaySeconds:0.0} s");
        Mark("relay");

        // A loaded consent: verify must say valid, as the service says of its own.
        var loadedId = await ScalarAsync<string>("select id from consent.mt_streams where id <> all($1) order by created desc limit 1",
            state["templates"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray());
        var coordinator = LocalTokens.Create(key, "bench-coordinator", StaffRoles.Coordinator, Clinic, TimeSpan.FromHours(4), DateTimeOffset.UtcNow);
        var verify = await TimedAsync(30, async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/consents/{loadedId}/verify");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", coordinator);
            var answer = await EventsBenchmark.SendJson(http, request);
            if (!answer.GetProperty("valid").GetBoolean()) throw new InvalidOperationException($"verify of loaded consent {loadedId} says not valid: {answer}");
        });
        measured["verify_p99"] = Figure("p99 ms", Levels.Ms(verify, 99), Levels.Ms(verify, 50));
        Mark("verify");

        // The gate with a cold cache: every question about a patient not asked before.
        var loadedPatients = await ScalarAsync<long>("select count(*) from consent.mt_doc_consentsummary where data ->> 'PatientId' like 'GRW-%'");
        var integration = LocalTokens.Create(key, "bench-scheduler", StaffRoles.Integration, Clinic, TimeSpan.FromHours(4), DateTimeOffset.UtcNow);
        var order = Enumerable.Range(0, (int)loadedPatients).OrderBy(i => (i * 2654435761L) % loadedPatients).ToArray();
        var gate = await LoadAsync(16, new ConcurrentQueue<int>(order.Take(2000)), async patient =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/gate?patientId=GRW-{patient:D7}&procedureCode=MSC");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", integration);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
        });
        measured["gate_cold_p99"] = Figure("p99 ms", Levels.Ms(gate.Histogram, 99), Levels.Ms(gate.Histogram, 50));
        measured["gate_cold_per_s"] = Figure("queries/s", gate.Rate);
        Mark("gate");

        // The dashboard's list as a coordinator sees it, with each filter and a patient search.
        var dashboard = await DashboardClientAsync();
        var someDay = DateTime.UtcNow.AddDays(-30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var filters = new (string Name, string Query)[]
        {
            ("list", ""), ("status=granted", "status=granted"), ("status=expired", "status=expired"), ("status=in_progress", "status=in_progress"),
            ("procedure", "procedure=MSC"), ("date", "date=" + someDay), ("needs=questions", "needs=questions"), ("needs=countersign", "needs=countersign"),
            ("needs=stalled", "needs=stalled"), ("needs=soon", "needs=soon"), ("needs=unconfirmed", "needs=unconfirmed"), ("patient", $"patient=GRW-{order[^1]:D7}"),
        };
        foreach (var (name, query) in filters)
        {
            var list = await TimedAsync(100, async () =>
            {
                using var response = await dashboard.GetAsync("/dashboard" + (query.Length > 0 ? "?" + query : ""));
                if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"dashboard {query}: {(int)response.StatusCode}");
                await response.Content.ReadAsByteArrayAsync();
            });
            measured["dashboard_" + name] = Figure("p99 ms", Levels.Ms(list, 99), Levels.Ms(list, 50));
            Mark("dashboard_" + name);
        }

        // The timers' due query and the dashboard's slowest questions as SQL alone, with their plans.
        var plans = new JsonObject();
        foreach (var (name, command) in await QueriesAsync(db, order[^1]))
        {
            var sql = await TimedAsync(10, async () =>
            {
                await using var run = Clone(db, command, "");
                await using var reader = await run.ExecuteReaderAsync();
                while (await reader.ReadAsync()) { }
            });
            measured["sql_" + name] = Figure("p99 ms", Levels.Ms(sql, 99), Levels.Ms(sql, 50));
            await using var explain = Clone(db, command, "explain (analyze, buffers) ");
            var plan = new List<string>();
            await using (var reader = await explain.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
            }
            plans[name] = string.Join('\n', [command.CommandText, .. plan]);
        }
        results["plans"] = plans;
        Mark("sql");

        // Tablet steps at 16 tablets on this database.
        await Levels.Run(4, 3, (i, h, deadline) => tablets.Walk(i, h, deadline, $"WARM-{phase}"));
        var steps = await Levels.Run(16, seconds, (i, h, deadline) => tablets.Walk(i, h, deadline, $"STEP-{phase}"));
        measured["steps_16_p99"] = Figure("p99 ms", Levels.Ms(steps.Histogram, 99), Levels.Ms(steps.Histogram, 50));
        measured["steps_16_per_s"] = Figure("steps/s", steps.StepsPerSecond);
        measured["start_up"] = Figure("ms", readyMs);
        measured["peak_service_mb"] = Figure("MB", Levels.PeakMb(servicePid));
        Mark("steps");
        Console.WriteLine($"growth[{phase}]: peak service MB after " + string.Join(", ", peakAfter.Select(p => $"{p.Key} {p.Value}")));

        results["sizes"] = await SizesAsync(db);
        Save(state);
        Console.WriteLine($"growth[{phase}]: measured {measured.Count} figures on {results["consents"]} consents");
    }

    public Task ReportAsync(double verifyPassMs)
    {
        var state = State();
        var (empty, loaded) = (state["empty"]!.AsObject(), state["loaded"]!.AsObject());
        loaded["measured"]!.AsObject()["row_verifier_pass"] = Figure("ms", verifyPassMs);
        Save(state);
        var report = new Report("growth");
        var table = report.Add("growth", "The same measurements on a nearly empty and on a loaded database (p50 beside each p99)",
            "measurement", "unit", "empty_consents", "empty", "empty_p50", "loaded_consents", "loaded", "loaded_p50", "ratio");
        var (ec, lc) = (empty["consents"]!.GetValue<long>(), loaded["consents"]!.GetValue<long>());
        Console.WriteLine($"Consent growth benchmark: {Environment.ProcessorCount} cores, {seconds} s per level; empty: {ec} consents, loaded: {lc} consents");
        Console.WriteLine("measurement                  | unit           |      empty |     loaded | ratio");
        foreach (var (name, node) in loaded["measured"]!.AsObject())
        {
            var l = node!.AsObject();
            var e = empty["measured"]!.AsObject()[name]?.AsObject();
            var (ev, lv) = (e?["value"]?.GetValue<double>() ?? double.NaN, l["value"]!.GetValue<double>());
            table.Row(name, l["unit"]!.GetValue<string>(), ec, ev, e?["p50"]?.GetValue<double>(), lc, lv, l["p50"]?.GetValue<double>(), lv / ev);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-28} | {l["unit"],-14} | {ev,10:0.0} | {lv,10:0.0} | {lv / ev,5:0.00}"));
        }
        var sizes = report.Add("sizes", "Database bytes per consent by table (table, indexes and TOAST)",
            "table", "empty_bytes", "empty_bytes_per_consent", "loaded_bytes", "loaded_bytes_per_consent");
        Console.WriteLine();
        Console.WriteLine("table                        | empty bytes/consent | loaded bytes/consent | loaded MB");
        foreach (var (name, node) in loaded["sizes"]!.AsObject().OrderByDescending(s => s.Value!.GetValue<long>()))
        {
            var lb = node!.GetValue<long>();
            var eb = empty["sizes"]!.AsObject()[name]?.GetValue<long>() ?? 0;
            sizes.Row(name, eb, eb / (double)ec, lb, lb / (double)lc);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-28} | {eb / (double)ec,19:0} | {lb / (double)lc,20:0} | {lb / 1048576.0,9:0.0}"));
        }
        var load = report.Add("load", "The loader (binary COPY, chain hashes and head signatures computed again)", "phase", "consents", "events", "seconds", "events_per_s");
        foreach (var phase in new[] { "empty", "loaded" })
        {
            var p = state[phase]!.AsObject();
            load.Row(phase, p["consents"]!.GetValue<long>(), p["events"]!.GetValue<long>(), p["loadSeconds"]!.GetValue<double>(), p["loadEventsPerSecond"]!.GetValue<double>());
        }
        var plans = Path.Combine(Report.Directory, "growth-plans.txt");
        Directory.CreateDirectory(Report.Directory);
        File.WriteAllText(plans, string.Join("\n\n", new[] { "empty", "loaded" }.SelectMany(phase =>
            state[phase]!["plans"]!.AsObject().Select(p => $"== {phase} ({state[phase]!["consents"]} consents): {p.Key}\n{p.Value}"))) + "\n");
        Console.WriteLine($"tables: {report.Save(new() { ["secondsPerLevel"] = seconds, ["consents"] = _consents, ["backlogEvents"] = _backlog })}, plans: {plans}");
        Charts.Growth(report);
        return Task.CompletedTask;
    }

    private static JsonObject Figure(string unit, double value, double? p50 = null)
    {
        var figure = new JsonObject { ["unit"] = unit, ["value"] = Math.Round(value, 3) };
        if (p50 is { } median) figure["p50"] = Math.Round(median, 3);
        return figure;
    }

    private static async Task<(long Events, long GateChanges, double Seconds)> RelayCatchUpAsync(NpgsqlDataSource db, long target)
    {
        var clock = Stopwatch.StartNew();
        var first = await RelayAsync(db);
        var deadline = TimeSpan.FromMinutes(30);
        var last = first;
        while (last.Position < target && clock.Elapsed < deadline)
        {
            await Task.Delay(100);
            last = await RelayAsync(db);
        }
        if (last.Position < target) throw new InvalidOperationException($"the relay did not catch up in {deadline}: at {last.Position} of {target}");
        return (last.Position - first.Position, last.GateChanges - first.GateChanges, Math.Max(clock.Elapsed.TotalSeconds, 0.001));
    }

    private static async Task<(long Position, long GateChanges)> RelayAsync(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("select (select position from consent.relay_positions where consumer = 'rabbitmq'), (select count(*) from consent.gate_changes)");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<LongHistogram> TimedAsync(int times, Func<Task> call)
    {
        var histogram = Levels.Histogram();
        var budget = Stopwatch.StartNew();
        await call();
        for (var i = 0; i < times && budget.Elapsed < TimeSpan.FromSeconds(30); i++)
        {
            var started = Stopwatch.GetTimestamp();
            await call();
            histogram.RecordValue(Stopwatch.GetElapsedTime(started).Ticks / 10);
        }
        return histogram;
    }

    /// <summary><paramref name="callers"/> side by side until <paramref name="work"/> is empty, each item asked once.</summary>
    private static async Task<(double Rate, LongHistogram Histogram)> LoadAsync<T>(int callers, ConcurrentQueue<T> work, Func<T, Task> call)
    {
        var calls = work.Count;
        var histograms = Enumerable.Range(0, callers).Select(_ => Levels.Histogram()).ToArray();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(histograms.Select(histogram => Task.Run(async () =>
        {
            while (work.TryDequeue(out var item))
            {
                var started = Stopwatch.GetTimestamp();
                await call(item);
                histogram.RecordValue(Stopwatch.GetElapsedTime(started).Ticks / 10);
            }
        })));
        var all = Levels.Histogram();
        foreach (var h in histograms) all.Add(h);
        return (calls / clock.Elapsed.TotalSeconds, all);
    }

    /// <summary>An HTTP client signed in to the dashboard as the bench's coordinator (cookies kept by hand: they are Secure).</summary>
    private async Task<HttpClient> DashboardClientAsync()
    {
        var cookies = new Dictionary<string, string>();
        var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = http.BaseAddress };
        // As the TLS-terminating proxy bench.sh names (Proxy:KnownProxies) would pass a browser's request on.
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        void Keep(HttpResponseMessage response)
        {
            foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
            {
                var pair = header.Split(';')[0].Split('=', 2);
                cookies[pair[0]] = pair[1];
            }
            client.DefaultRequestHeaders.Remove("Cookie");
            if (cookies.Count > 0) client.DefaultRequestHeaders.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}")));
        }
        using var form = await client.GetAsync("/dashboard/signin");
        Keep(form);
        var token = AntiForgery().Match(await form.Content.ReadAsStringAsync());
        using var signIn = await client.PostAsync("/dashboard/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "bench-coordinator", ["password"] = "bench-coordinator-password", [token.Groups[1].Value] = WebUtility.HtmlDecode(token.Groups[2].Value),
        }));
        if (signIn.StatusCode != HttpStatusCode.Redirect && signIn.StatusCode != HttpStatusCode.Found) throw new InvalidOperationException($"dashboard sign-in: {(int)signIn.StatusCode}");
        Keep(signIn);
        return client;
    }

    [GeneratedRegex("name=\"(__[A-Za-z]+)\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiForgery();

    /// <summary>
    /// The statements Marten runs for the timers' due query and the dashboard's heaviest lists, generated by Marten from
    /// the same LINQ as the service (a store mapped like the service's, creating nothing).
    /// </summary>
    private static async Task<List<(string Name, NpgsqlCommand Command)>> QueriesAsync(NpgsqlDataSource db, int patient)
    {
        await Task.CompletedTask;
        using var store = DocumentStore.For(options =>
        {
            options.Connection(db);
            options.DatabaseSchemaName = "consent";
            options.AutoCreateSchemaObjects = JasperFx.AutoCreate.None;
            options.Policies.AllDocumentsAreMultiTenanted();
            ConsentStore.MapSummaries(options);
        });
        await using var any = store.QuerySession();
        await using var clinic = store.QuerySession(Clinic);
        var now = DateTimeOffset.UtcNow;
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var patientId = $"GRW-{patient:D7}";
        return
        [
            ("timers_due", any.Query<ConsentSummary>().Where(s => s.AnyTenant() && s.DueAt != null && s.DueAt <= now).OrderBy(s => s.DueAt).Take(500).ToCommand(FetchType.FetchMany)),
            ("list_page", clinic.Query<ConsentSummary>().OrderByDescending(s => s.UpdatedAt).Take(25).ToCommand(FetchType.FetchMany)),
            ("list_count_granted", clinic.Query<ConsentSummary>().Where(s => s.Status == "granted").ToCommand(FetchType.Count)),
            ("list_patient", clinic.Query<ConsentSummary>().Where(s => s.PatientId == patientId).OrderByDescending(s => s.UpdatedAt).Take(25).ToCommand(FetchType.FetchMany)),
            ("flow_granted_today", clinic.Query<ConsentSummary>().Where(s => s.Record.Runtime.GrantedAt >= today).ToCommand(FetchType.Count)),
        ];
    }

    private static NpgsqlCommand Clone(NpgsqlDataSource db, NpgsqlCommand command, string prefix)
    {
        var copy = db.CreateCommand(prefix + command.CommandText);
        foreach (NpgsqlParameter p in command.Parameters) copy.Parameters.Add(p.Clone());
        return copy;
    }

    private static async Task<JsonObject> SizesAsync(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("""
            select c.relname, pg_total_relation_size(c.oid) from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = 'consent' and c.relkind = 'r' and pg_total_relation_size(c.oid) > 16384 order by 2 desc
            """);
        var sizes = new JsonObject();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) sizes[reader.GetString(0)] = reader.GetInt64(1);
        return sizes;
    }

    private async Task<T> ScalarAsync<T>(string sql, object? parameter = null)
    {
        await using var db = NpgsqlDataSource.Create(postgres);
        await using var command = db.CreateCommand(sql);
        if (parameter is not null) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
