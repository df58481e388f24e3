using System.Reflection;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("Consent.Api.Tests.Support.ServiceLogTestFramework", "Consent.Api.Tests")]

namespace Consent.Api.Tests.Support;

/// <summary>
/// The log events of every service host in this test process (ApiFactory writes here instead of the console), kept while a
/// test runs and handed to that test's result only when it fails: a green run prints none of them, a red test shows what
/// the service said meanwhile. Test classes run two at a time, so a failing test's share may hold another class's events.
/// </summary>
public sealed class ServiceLog : ILogEventSink
{
    public static ServiceLog Shared { get; } = new();

    private readonly MessageTemplateTextFormatter _format = new("{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}");
    private readonly Lock _gate = new();
    private readonly List<(long Sequence, string Line)> _lines = [];
    private readonly Dictionary<string, long> _running = [];
    private long _next;

    public void Emit(LogEvent logEvent)
    {
        using var writer = new StringWriter();
        _format.Format(logEvent, writer);
        lock (_gate)
        {
            // Between tests (a class fixture starting or stopping) nobody could be shown them.
            if (_running.Count == 0) return;
            _lines.Add((_next++, writer.ToString()));
        }
    }

    public void Started(string test)
    {
        lock (_gate) _running[test] = _next;
    }

    /// <summary>What the services logged since <paramref name="test"/> started.</summary>
    public string Since(string test)
    {
        lock (_gate)
        {
            return _running.TryGetValue(test, out var from) ? string.Concat(_lines.Where(l => l.Sequence >= from).Select(l => l.Line)) : "";
        }
    }

    public void Finished(string test)
    {
        lock (_gate)
        {
            _running.Remove(test);
            var oldestNeeded = _running.Count == 0 ? _next : _running.Values.Min();
            _lines.RemoveAll(l => l.Sequence < oldestNeeded);
        }
    }
}

/// <summary>xUnit's own framework, with a failed test's result carrying the service log events of its run as its output.</summary>
public sealed class ServiceLogTestFramework(IMessageSink diagnosticMessageSink) : XunitTestFramework(diagnosticMessageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformationProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformationProvider, diagnosticMessageSink)
    {
        protected override void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions) =>
            base.RunTestCases(testCases, new FailuresWithServiceLogs(executionMessageSink), executionOptions);
    }

    private sealed class FailuresWithServiceLogs(IMessageSink next) : LongLivedMarshalByRefObject, IMessageSink
    {
        public bool OnMessage(IMessageSinkMessage message)
        {
            switch (message)
            {
                case ITestStarting starting:
                    ServiceLog.Shared.Started(Key(starting.Test));
                    break;
                case ITestFailed failed when ServiceLog.Shared.Since(Key(failed.Test)) is { Length: > 0 } logged:
                    message = new TestFailed(failed.Test, failed.ExecutionTime,
                        failed.Output + "--- the service's log events while this test ran ---" + Environment.NewLine + logged,
                        failed.ExceptionTypes, failed.Messages, failed.StackTraces, failed.ExceptionParentIndices);
                    break;
                case ITestFinished finished:
                    ServiceLog.Shared.Finished(Key(finished.Test));
                    break;
            }
            return next.OnMessage(message);
        }

        private static string Key(ITest test) => test.TestCase.UniqueID + "/" + test.DisplayName;
    }
}
