using Serilog;
using Serilog.Formatting.Compact;

namespace Consent.Api.Hosting;

/// <summary>
/// Where the service's log goes on standard output, in one of two forms chosen by <c>Logging:Console:FormatterName</c>:
/// <c>json</c> (the default: one JSON object a line, for a log collector) or <c>simple</c> (one readable line an event,
/// for a person at a terminal; appsettings.Development.json, which the run command uses, chooses it).
/// </summary>
public static class ConsoleLog
{
    public const string Json = "json";
    public const string Simple = "simple";

    // Time, level, message; the source and properties stay out of the line (the JSON form keeps them all).
    private const string SimpleTemplate = "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}";

    public static LoggerConfiguration WriteToConsole(this LoggerConfiguration logger, IConfiguration configuration)
    {
        var formatter = configuration["Logging:Console:FormatterName"] is { Length: > 0 } name ? name : Json;
        return formatter.ToLowerInvariant() switch
        {
            Json => logger.WriteTo.Console(new RenderedCompactJsonFormatter()),
            Simple => logger.WriteTo.Console(outputTemplate: SimpleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException($"Logging:Console:FormatterName is '{formatter}'; it is '{Json}' or '{Simple}'."),
        };
    }
}
