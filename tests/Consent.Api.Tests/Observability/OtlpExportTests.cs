using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Observability;

/// <summary>OTLP export is off unless Telemetry:OtlpEndpoint names a collector; then traces and metrics go there.</summary>
[Trait("Category", "Infrastructure")]
[Collection(nameof(ProcessWideTelemetry))]
public sealed class OtlpExportTests
{
    [Fact]
    public async Task With_an_otlp_endpoint_set_traces_and_metrics_reach_the_collector()
    {
        var port = FreePort();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var received = new ConcurrentDictionary<string, long>();
        var receiving = Task.Run(async () =>
        {
            while (collector.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await collector.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                received.AddOrUpdate(context.Request.Url!.AbsolutePath, body.Length, (_, total) => total + body.Length);
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        await using var factory = new ApiFactory(new Dictionary<string, string?>
        {
            ["Telemetry:OtlpEndpoint"] = $"http://127.0.0.1:{port}/",
            ["Telemetry:OtlpProtocol"] = "http/protobuf",
            ["Telemetry:OtlpMetricIntervalSeconds"] = "1",
        });
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start();
        await ConsentDriver.Walk(tablet, id, stopAt: "decision");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(received.ContainsKey("/v1/traces") && received.ContainsKey("/v1/metrics")) && DateTime.UtcNow < deadline) await Task.Delay(200);
        received.Keys.ShouldContain("/v1/traces", "spans are batched and sent within seconds");
        received.Keys.ShouldContain("/v1/metrics");
        received["/v1/traces"].ShouldBeGreaterThan(0);
        collector.Stop();
        await receiving;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
