using System.Diagnostics;
using System.Diagnostics.Metrics;
using Consent.Workflows.Definitions;

namespace Consent.Api.Consents;

/// <summary>
/// The consent feature's meter (<c>Consent.Consents</c>). Labels are kinds, never ids: a step type, a change's name,
/// an outcome; no patient, consent or clinic is ever a label.
/// </summary>
public sealed class ConsentMetrics
{
    public const string MeterName = "Consent.Consents";

    private readonly Counter<long> _steps;
    private readonly Histogram<double> _stepDuration;
    private readonly Counter<long> _writes;
    private readonly Counter<long> _timerRuns;
    private readonly Counter<long> _timerChanges;
    private readonly Counter<long> _idempotencyPurged;

    public ConsentMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _steps = meter.CreateCounter<long>("consent.steps", "{step}", "Step answers written, by step type and outcome.");
        _stepDuration = meter.CreateHistogram<double>("consent.step.duration", "ms", "Time to decide and store a step answer, by step type.");
        _writes = meter.CreateCounter<long>("consent.writes", "{write}", "Every write of a consent (steps, starts, withdrawals, timers), by change and outcome.");
        _timerRuns = meter.CreateCounter<long>("consent.timers.runs", "{run}", "Timer rounds, by outcome.");
        _timerChanges = meter.CreateCounter<long>("consent.timers.changed", "{consent}", "Consents changed by a timer.");
        _idempotencyPurged = meter.CreateCounter<long>("consent.idempotency.purged", "{record}", "Idempotent responses deleted after their retention.");
    }

    /// <summary>One write through the write path; a step answer also counts as a step of its type.</summary>
    public void Written(ConsentChange change, WriteStatus status, StepType? stepType, TimeSpan elapsed) =>
        Written(change, Outcome(status), stepType, elapsed);

    /// <summary>A write that ended in <paramref name="outcome"/> (<c>error</c> when it threw).</summary>
    public void Written(ConsentChange change, string outcome, StepType? stepType, TimeSpan elapsed)
    {
        _writes.Add(1, new TagList { { "change", change.GetType().Name }, { "outcome", outcome } });
        if (change is not AnswerStep) return;
        // A step of a consent that was not found (or whose workflow is gone) has no type to tell.
        var name = stepType is { } type ? StepTypeName(type) : "unknown";
        _steps.Add(1, new TagList { { "step.type", name }, { "outcome", outcome } });
        _stepDuration.Record(elapsed.TotalMilliseconds, new TagList { { "step.type", name } });
    }

    public void TimerRound(bool succeeded, int changed)
    {
        _timerRuns.Add(1, new KeyValuePair<string, object?>("outcome", succeeded ? "ok" : "failed"));
        if (changed > 0) _timerChanges.Add(changed);
    }

    public void Purged(int records) => _idempotencyPurged.Add(records);

    private static readonly string[] Outcomes = [.. Enum.GetNames<WriteStatus>().Select(n => n.ToLowerInvariant())];
    private static readonly string[] StepTypes = [.. Enum.GetNames<StepType>().Select(n => n.ToLowerInvariant())];

    private static string Outcome(WriteStatus status) => (int)status < Outcomes.Length ? Outcomes[(int)status] : "other";

    private static string StepTypeName(StepType type) => (int)type < StepTypes.Length ? StepTypes[(int)type] : "other";
}
