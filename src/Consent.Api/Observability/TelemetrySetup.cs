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
        var settings = builder.Configuration.GetSection("Telemetry");
        var otlp = settings["OtlpEndpoint"] is { Length: > 0 } endpoint ? new Uri(endpoint) : null;
        var protocol = string.Equals(settings["OtlpProtocol"], "http/protobuf", StringComparison.OrdinalIgnoreCase)
            ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        var ratio = settings.GetValue("TraceSampleRatio", 1.0);

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(settings["ServiceName"] ?? "consent-api"))
            .WithTracing(tracing =>
            {
                tracing
                    // Database commands outside any request or publish (the relay's polling, 50 a second when idle) would
                    // each be a trace of their own: dropped; commands inside a sampled request or publish are kept.
                    .SetSampler(new ParentBasedSampler(new NoLoneClientSpans(new TraceIdRatioBasedSampler(ratio))))
                    .AddAspNetCoreInstrumentation(o =>
                    {
                        o.Filter = http => !http.Request.Path.StartsWithSegments("/health") && !http.Request.Path.StartsWithSegments(ScrapePath);
                        // Query strings carry patient ids (the gate, the list's search): never a tag, not even redacted.
                        o.EnrichWithHttpRequest = static (activity, _) => activity.SetTag("url.query", null);
                    })
                    .AddSource(Sources);
                if (otlp is not null) tracing.AddOtlpExporter(o => Export(o, otlp, protocol, "v1/traces"));
            })
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter("Consent", "Consent.*")
                    .AddAspNetCoreInstrumentation()
                    .AddPrometheusExporter();
                if (otlp is not null) metrics.AddOtlpExporter(o => Export(o, otlp, protocol, "v1/metrics"));
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

    private static void Export(OtlpExporterOptions options, Uri endpoint, OtlpExportProtocol protocol, string signalPath)
    {
        options.Protocol = protocol;
        // Over HTTP an endpoint set in code is used as given: each signal needs its own path.
        options.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(endpoint, signalPath) : endpoint;
    }

    /// <summary>Drops root spans of kind Client (a database command nobody asked for); decides the rest with <paramref name="inner"/>.</summary>
    private sealed class NoLoneClientSpans(Sampler inner) : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters parameters) =>
            parameters.Kind == ActivityKind.Client ? new SamplingResult(SamplingDecision.Drop) : inner.ShouldSample(parameters);
    }
}
