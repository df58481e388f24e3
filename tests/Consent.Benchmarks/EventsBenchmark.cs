using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Consent.Api.Auth;
using HdrHistogram;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

/// <summary>
/// Event lag and gate speed, each beside a baseline measured in the same run. Lag: consents are started and withdrawn
/// over HTTP at a fixed rate (a start publishes one event, a withdrawal two); a plain RabbitMQ.Client consumer
/// measures from the event's occurredAt (taken before the write commits, so the figure includes the write) to its
/// arrival. Baseline: raw AMQP publishes with confirms at the same rate, measured from just before publishing.
/// Gate: 16 callers asking GET /api/gate; baseline: a raw SQL primary-key lookup of the same row at 16 callers.
/// </summary>
internal static class EventsBenchmark
{
    private const string Clinic = "bench-events";

    /// <summary>The gate part always; the event-lag part before it unless <paramref name="lag"/> is false.</summary>
    public static async Task RunAsync(HttpClient http, string postgres, string amqp, Microsoft.IdentityModel.Tokens.SecurityKey key, int seconds, bool lag, Report report)
    {
        var coordinator = LocalTokens.Create(key, "bench-coordinator", StaffRoles.Coordinator, Clinic, TimeSpan.FromHours(2), DateTimeOffset.UtcNow);
        if (lag) await LagAsync(http, amqp, coordinator, seconds, report);
        var integration = LocalTokens.Create(key, "bench-scheduler", StaffRoles.Integration, Clinic, TimeSpan.FromHours(2), DateTimeOffset.UtcNow);
        await GateAsync(http, postgres, coordinator, integration, seconds, report);
    }

    /// <summary>The offered rates of gate-changing events per second, the last one beyond what the issue asks to hold.</summary>
    private static readonly int[] Rates = [100, 250, 500, 750, 1000];

    private static async Task LagAsync(HttpClient http, string amqp, string coordinator, int seconds, Report report)
    {
        // Warm-up, not reported: first connections, JIT and the relay's first reads.
        await ServiceLag(http, amqp, coordinator, 100, 3);
        await RawAmqpLag(amqp, 100, 2);
        Console.WriteLine();
        Console.WriteLine("events/s target | events/s received | lag p50 ms | lag p99 ms | baseline p50 ms | baseline p99 ms");
        var table = report.Add("lag", "Gate-changing events from HTTP write to a plain AMQP consumer, beside raw AMQP publishes with confirms",
            "target_per_s", "received_per_s", "lag_p50_ms", "lag_p99_ms", "baseline_p50_ms", "baseline_p99_ms");
        var sustained = 0;
        foreach (var rate in Rates)
        {
            // A level beyond what the relay sustains leaves a backlog: the next level (and the gate suite) starts once it is gone.
            await DrainAsync(http, amqp, coordinator);
            var service = await ServiceLag(http, amqp, coordinator, rate, seconds);
            var baseline = await RawAmqpLag(amqp, rate, seconds);
            table.Row(rate, service.Rate, Ms(service.Lag, 50), Ms(service.Lag, 99), Ms(baseline.Lag, 50), Ms(baseline.Lag, 99));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{rate,15} | {service.Rate,17:0} | {Ms(service.Lag, 50),10:0.0} | {Ms(service.Lag, 99),10:0.0} | {Ms(baseline.Lag, 50),15:0.0} | {Ms(baseline.Lag, 99),15:0.0}"));
            // Sustained: (nearly) everything offered arrived, and quickly; the backlog did not grow through the level.
            if (service.Rate >= rate * 0.98 && Ms(service.Lag, 99) < 250) sustained = Math.Max(sustained, rate);
        }
        Console.WriteLine($"highest offered rate received in full with lag p99 < 250 ms: {sustained} events/s");
        await DrainAsync(http, amqp, coordinator);
        report.Add("lag_limit", "The highest offered rate received in full with lag p99 under 250 ms", "events_per_s").Row(sustained);
    }

    private static async Task GateAsync(HttpClient http, string postgres, string coordinator, string integration, int seconds, Report report)
    {
        Console.WriteLine();
        Console.WriteLine("callers | gate queries/s | p50 ms | p99 ms | baseline queries/s | base p99 ms | ratio | http floor q/s | floor p99 ms");
        var patients = await SeedGate(http, coordinator, 50);
        await using var source = NpgsqlDataSource.Create(postgres);
        var ids = await SummaryIds(source, Clinic);
        Func<int, long, Task> gateCall = async (i, n) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/gate?patientId={patients[(int)((i * 7919 + n) % patients.Count)]}&procedureCode=MSC");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", integration);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
        };
        Func<int, long, Task> rawCall = async (i, n) =>
        {
            await using var command = source.CreateCommand("select data from consent.mt_doc_consentsummary where tenant_id = $1 and id = $2");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Clinic });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ids[(int)((i * 7919 + n) % ids.Count)] });
            await command.ExecuteScalarAsync();
        };
        // What HTTP alone costs here: the service's liveness endpoint (no database) through the same client and pipeline.
        Func<int, long, Task> floorCall = async (_, _) =>
        {
            using var response = await http.GetAsync("/health/live");
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
        };
        // Warm-up, not reported, of all three paths before any is measured: with 2 s of it the gate was measured while
        // the service's JIT thread still took a quarter of the machine (its handlers still in quick-jitted code), and
        // the floor, measured last, ran on code the gate's level had already tiered up.
        await Load(16, 10, gateCall);
        await Load(16, 3, rawCall);
        await Load(16, 3, floorCall);
        // Measured in turns of 2 s each, so that the machine's swings (the floor moved between 10,000 and 23,000 q/s
        // from run to run) fall on all three alike and the ratios compare like with like.
        var (gate, raw, floor) = await InTurns(16, seconds, gateCall, rawCall, floorCall);
        report.Add("gate", "GET /api/gate at 16 callers, beside a raw SQL primary-key lookup and the HTTP floor (/health/live)",
                "callers", "queries_per_s", "p50_ms", "p99_ms", "baseline_queries_per_s", "baseline_p99_ms", "ratio", "floor_queries_per_s", "floor_p99_ms")
            .Row(16, gate.Rate, Ms(gate.Lag, 50), Ms(gate.Lag, 99), raw.Rate, Ms(raw.Lag, 99), gate.Rate / raw.Rate, floor.Rate, Ms(floor.Lag, 99));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{16,7} | {gate.Rate,14:0} | {Ms(gate.Lag, 50),6:0.00} | {Ms(gate.Lag, 99),6:0.00} | {raw.Rate,18:0} | {Ms(raw.Lag, 99),11:0.00} | {gate.Rate / raw.Rate,5:0.00} | {floor.Rate,14:0} | {Ms(floor.Lag, 99),12:0.00}"));
    }

    private sealed record Measured(double Rate, LongHistogram Lag);

    private static double Ms(LongHistogram h, double percentile) => h.GetValueAtPercentile(percentile) / 1000.0;

    private static LongHistogram Histogram() => new(TimeSpan.FromMinutes(2).Ticks / 10, 3);

    /// <summary>Waits (at most 3 minutes) until a gate change written now reaches a subscriber: the relay has no backlog left.</summary>
    private static async Task DrainAsync(HttpClient http, string amqp, string coordinator)
    {
        var marker = $"DRAIN-{Guid.NewGuid():N}";
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var consumer = await Subscribe(amqp, ["Consent.Contracts:SchedulingGateChanged"], body =>
        {
            using var envelope = JsonDocument.Parse(body);
            if (envelope.RootElement.GetProperty("message").GetProperty("patientId").GetString() == marker) arrived.TrySetResult();
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/consents")
        {
            Content = JsonContent.Create(new { patientId = marker, procedureCode = "MSC", workflowId = "lumbar-puncture", locale = "en" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", coordinator);
        await SendJson(http, request);
        await arrived.Task.WaitAsync(TimeSpan.FromMinutes(3));
    }

    private static async Task<Measured> ServiceLag(HttpClient http, string amqp, string coordinator, int eventsPerSecond, int seconds)
    {
        var lag = Histogram();
        var received = 0;
        var sent = new ConcurrentDictionary<string, byte>();
        var gate = new object();
        await using var consumer = await Subscribe(amqp, ["Consent.Contracts:SchedulingGateChanged", "Consent.Contracts:ConsentWithdrawn"], body =>
        {
            using var envelope = JsonDocument.Parse(body);
            var message = envelope.RootElement.GetProperty("message");
            if (!sent.ContainsKey(message.GetProperty("consentId").GetString()!)) return;
            var occurred = DateTimeOffset.Parse(message.GetProperty("occurredAt").GetString()!, CultureInfo.InvariantCulture);
            var micros = (DateTimeOffset.UtcNow - occurred).Ticks / 10;
            lock (gate)
            {
                lag.RecordValue(Math.Max(micros, 0));
                received++;
            }
        });
        // A start publishes one event and a withdrawal two: alternate them at 2/3 of the event rate.
        var operations = eventsPerSecond * 2 / 3.0;
        var pending = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>();
        long n = 0;
        var patient = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            var due = TimeSpan.FromSeconds(n / operations);
            if (clock.Elapsed < due) await Task.Delay(due - clock.Elapsed);
            n++;
            if (n % 2 == 1 || !pending.TryDequeue(out var id))
            {
                var p = Interlocked.Increment(ref patient);
                inFlight.Add(Task.Run(async () =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/consents")
                    {
                        Content = JsonContent.Create(new { patientId = $"LAG-{eventsPerSecond}-{p}", procedureCode = "MSC", workflowId = "lumbar-puncture", locale = "en" }),
                    };
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", coordinator);
                    var created = await SendJson(http, request);
                    var consentId = created.GetProperty("id").GetString()!;
                    sent[consentId] = 0;
                    pending.Enqueue(consentId);
                }));
            }
            else
            {
                inFlight.Add(Task.Run(async () =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{id}/withdraw") { Content = JsonContent.Create(new { reason = "patient_request" }) };
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", coordinator);
                    await SendJson(http, request);
                }));
            }
        }
        await Task.WhenAll(inFlight);
        var elapsed = clock.Elapsed.TotalSeconds;
        await Task.Delay(3000);
        return new Measured(received / elapsed, lag);
    }

    private static async Task<Measured> RawAmqpLag(string amqp, int eventsPerSecond, int seconds)
    {
        var lag = Histogram();
        var received = 0;
        var gate = new object();
        // A name the subscriber's broker user owns (its "demo-" prefix): it may declare it and publish to it.
        const string exchange = "demo-bench.baseline";
        await using var consumer = await Subscribe(amqp, [exchange], body =>
        {
            var micros = (Stopwatch.GetTimestamp() - BitConverter.ToInt64(body.Span)) * 1_000_000 / Stopwatch.Frequency;
            lock (gate)
            {
                lag.RecordValue(Math.Max(micros, 0));
                received++;
            }
        });
        var factory = new ConnectionFactory { Uri = new Uri(amqp) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var properties = new BasicProperties { Persistent = true };
        var clock = Stopwatch.StartNew();
        long n = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            var due = TimeSpan.FromSeconds(n / (double)eventsPerSecond);
            if (clock.Elapsed < due) await Task.Delay(due - clock.Elapsed);
            n++;
            // Published one by one, each awaited until the broker confirms it, as the relay does.
            await channel.BasicPublishAsync(exchange, "", mandatory: false, properties, BitConverter.GetBytes(Stopwatch.GetTimestamp()));
        }
        var elapsed = clock.Elapsed.TotalSeconds;
        await Task.Delay(1000);
        return new Measured(received / elapsed, lag);
    }

    private sealed class Subscription(IConnection connection, IChannel channel) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await channel.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    private static async Task<Subscription> Subscribe(string amqp, string[] exchanges, Action<ReadOnlyMemory<byte>> onMessage)
    {
        var factory = new ConnectionFactory { Uri = new Uri(amqp) };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        foreach (var exchange in exchanges)
        {
            // The consent exchanges belong to the service: a subscriber may only check that they exist.
            if (exchange.StartsWith("Consent.Contracts:", StringComparison.Ordinal)) await channel.ExchangeDeclarePassiveAsync(exchange);
            else await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.QueueBindAsync(queue.QueueName, exchange, "");
        }
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            onMessage(delivery.Body);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return new Subscription(connection, channel);
    }

    private static async Task<List<string>> SeedGate(HttpClient http, string coordinator, int count)
    {
        var patients = new List<string>();
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/consents")
            {
                Content = JsonContent.Create(new { patientId = $"GATE-{i}", procedureCode = "MSC", workflowId = "lumbar-puncture", locale = "en" }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", coordinator);
            await SendJson(http, request);
            patients.Add($"GATE-{i}");
        }
        return patients;
    }

    private static async Task<List<string>> SummaryIds(NpgsqlDataSource source, string clinic)
    {
        await using var command = source.CreateCommand("select id from consent.mt_doc_consentsummary where tenant_id = $1 limit 1000");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }

    private static async Task<Measured> Load(int callers, double seconds, Func<int, long, Task> call)
    {
        var (calls, elapsed, all) = await Calls(callers, seconds, call, 0);
        return new Measured(calls / elapsed, all);
    }

    /// <summary>Each load for <paramref name="seconds"/> in all, in turns (<see cref="Levels.Alternate"/>).</summary>
    private static async Task<(Measured, Measured, Measured)> InTurns(int callers, int seconds, Func<int, long, Task> a, Func<int, long, Task> b, Func<int, long, Task> c)
    {
        Func<int, long, Task>[] loads = [a, b, c];
        var calls = new long[loads.Length];
        var elapsed = new double[loads.Length];
        var histograms = loads.Select(_ => Histogram()).ToArray();
        await Levels.Alternate(seconds, loads.Length, async (k, turnSeconds) =>
        {
            var (n, s, h) = await Calls(callers, turnSeconds, loads[k], calls[k]);
            calls[k] += n;
            elapsed[k] += s;
            histograms[k].Add(h);
        });
        var measured = loads.Select((_, k) => new Measured(calls[k] / elapsed[k], histograms[k])).ToArray();
        return (measured[0], measured[1], measured[2]);
    }

    /// <summary><paramref name="callers"/> loops calling for <paramref name="seconds"/>; the call numbers start at <paramref name="first"/>.</summary>
    private static async Task<(long Calls, double Seconds, LongHistogram Latency)> Calls(int callers, double seconds, Func<int, long, Task> call, long first)
    {
        var histograms = Enumerable.Range(0, callers).Select(_ => Histogram()).ToArray();
        var clock = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, callers).Select(i => Task.Run(async () =>
        {
            long n = 0;
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                var started = Stopwatch.GetTimestamp();
                await call(i, first + n++);
                histograms[i].RecordValue(Stopwatch.GetElapsedTime(started).Ticks / 10);
            }
            return n;
        })));
        var all = Histogram();
        foreach (var h in histograms) all.Add(h);
        return (counts.Sum(), clock.Elapsed.TotalSeconds, all);
    }

    /// <summary>Sends a request and reads its JSON answer; anything but success stops the benchmark with the answer.</summary>
    public static async Task<JsonElement> SendJson(HttpClient http, HttpRequestMessage request)
    {
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {body}");
        return body;
    }
}
