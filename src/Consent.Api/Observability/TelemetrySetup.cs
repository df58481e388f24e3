using System.Diagnostics;
using Consent.Api.Auth;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Consent.Api.Observability;

/// <summary>
/// OpenTelemetry for the service: traces of HTTP requests, PostgreSQL commands (Npgsql's own source), the relay and
/// MassTransit's publishes; the features' meters (<c>Consent</c> and <c>Consent.*</c>) and ASP.NET Core's. Metrics are
/// scraped at <see cref="ScrapePath"/> by an administrator's token; both signals go to an OTLP collector only when
/// <c>Telemetry:OtlpEndpoint</c> is set.
/// </summary>
public static class TelemetrySetup
{
    public const string ScrapePath = "/metrics";

    // The features' own sources (the relay's publish spans, children of the request that stored the event), PostgreSQL
    // commands and MassTransit's sends.
    private static readonly string[] Sources = ["Consent.*", "Npgsql", "MassTransit"];

    public static WebApplicationBuilder AddConsentTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["Telemetry:ServiceName"] ?? "consent-api"))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.Filter = http => !http.Request.Path.StartsWithSegments("/health") && !http.Request.Path.StartsWithSegments(ScrapePath);
                    // Query strings carry patient ids (the gate, the list's search): never a tag, not even redacted.
                    o.EnrichWithHttpRequest = static (activity, _) => activity.SetTag("url.query", null);
                })
                .AddSource(Sources))
            .WithMetrics(metrics => metrics
                .AddMeter("Consent", "Consent.*")
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter());
        // Read once the host's configuration is complete (a test host's or the environment's settings included).
        builder.Services.ConfigureOpenTelemetryTracerProvider((services, tracer) =>
        {
            var settings = services.GetRequiredService<IConfiguration>().GetSection("Telemetry");
            // Database commands outside any request or publish (the relay's polling, 50 a second when idle) would
            // each be a trace of their own: dropped; commands inside a sampled request or publish are kept.
            tracer.SetSampler(new ParentBasedSampler(new NoLoneClientSpans(new TraceIdRatioBasedSampler(settings.GetValue("TraceSampleRatio", 1.0)))));
            if (Otlp(settings, "v1/traces") is { } otlp) tracer.AddProcessor(new BatchActivityExportProcessor(new OtlpTraceExporter(otlp)));
        });
        builder.Services.ConfigureOpenTelemetryMeterProvider((services, meter) =>
        {
            var settings = services.GetRequiredService<IConfiguration>().GetSection("Telemetry");
            if (Otlp(settings, "v1/metrics") is not { } otlp) return;
            var interval = TimeSpan.FromSeconds(settings.GetValue("OtlpMetricIntervalSeconds", 60.0));
            meter.AddReader(new PeriodicExportingMetricReader(new OtlpMetricExporter(otlp), (int)interval.TotalMilliseconds));
        });
        return builder;
    }

    /// <summary>
    /// The scrape endpoint, for the <c>admin</c> role only: it is a path of the service (no second listener to run,
    /// secure and route through the ingress), and Prometheus sends a bearer token or fetches one itself (<c>oauth2</c>
    /// client credentials) from the same identity provider.
    /// </summary>
    public static WebApplication MapConsentTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(ScrapePath).RequireAuthorization(Policies.Admin).ExcludeFromDescription();
        return app;
    }

    /// <summary>Where a signal goes when <c>Telemetry:OtlpEndpoint</c> is set (gRPC, or <c>OtlpProtocol</c> <c>http/protobuf</c>); null when it is not.</summary>
    private static OtlpExporterOptions? Otlp(IConfigurationSection settings, string signalPath)
    {
        if (settings["OtlpEndpoint"] is not { Length: > 0 } endpoint) return null;
        var http = string.Equals(settings["OtlpProtocol"], "http/protobuf", StringComparison.OrdinalIgnoreCase);
        return new OtlpExporterOptions
        {
            Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc,
            // Over HTTP an endpoint set in code is used as given: each signal needs its own path.
            Endpoint = http ? new Uri(new Uri(endpoint), signalPath) : new Uri(endpoint),
        };
    }

    /// <summary>Drops root spans of kind Client (a database command nobody asked for); decides the rest with <paramref name="inner"/>.</summary>
    private sealed class NoLoneClientSpans(Sampler inner) : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters parameters) =>
            parameters.Kind == ActivityKind.Client ? new SamplingResult(SamplingDecision.Drop) : inner.ShouldSample(parameters);
    }
}
