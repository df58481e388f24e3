using System.Collections.Concurrent;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serilog.Core;
using Serilog.Events;

namespace Consent.Api.Tests.Hosting;

/// <summary>
/// Each host writes its log events to its own pipeline while other hosts of the process start and stop around it (the
/// test process holds many at once). This checks the routing; the race it guards against (a service made on first use
/// while another host had just replaced Serilog's static logger) did not show in this sequence with the static logger
/// either: it was seen once in a full run (StaffEmailTests), which is why the hosts no longer touch the static logger.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed partial class HostLoggerTests
{
    private sealed class Sink : ILogEventSink
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public void Emit(LogEvent logEvent) => Messages.Enqueue(logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_hosts_events_reach_its_own_sinks_after_another_host_started_and_stopped()
    {
        var (firstSink, secondSink) = (new Sink(), new Sink());
        await using var first = new ApiFactory(services: s => s.AddSingleton<ILogEventSink>(firstSink));
        _ = first.Services;
        ILogger firstLogger;
        await using (var second = new ApiFactory(services: s => s.AddSingleton<ILogEventSink>(secondSink)))
        {
            // The first host's logger is made after the second host started, as a service made on first use is.
            firstLogger = first.Services.GetRequiredService<ILogger<HostLoggerTests>>();
            var secondLogger = second.Services.GetRequiredService<ILogger<HostLoggerTests>>();
            var marker = "while both run " + Guid.NewGuid().ToString("N");
            Mark(firstLogger, marker);
            Mark(secondLogger, "second " + marker);

            firstSink.Messages.ShouldContain(m => m.Contains(marker, StringComparison.Ordinal) && !m.Contains("second", StringComparison.Ordinal));
            secondSink.Messages.ShouldNotContain(m => m.Contains(marker, StringComparison.Ordinal) && !m.Contains("second", StringComparison.Ordinal));
        }

        var after = "after the other stopped " + Guid.NewGuid().ToString("N");
        Mark(firstLogger, after);
        firstSink.Messages.ShouldContain(m => m.Contains(after, StringComparison.Ordinal));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Marker}")]
    private static partial void Mark(ILogger logger, string marker);
}
