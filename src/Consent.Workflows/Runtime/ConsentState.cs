using System.Collections.Immutable;

namespace Consent.Workflows.Runtime;

public sealed record SignatureRecord(string StepId, string SignerRole, string SignerName, string? Relationship, string StatementSha256, string SignatureSha256, DateTimeOffset At);

/// <summary>
/// An instance of a workflow, pinned to the version and content hash it started on. Rebuilt by folding its
/// events with <see cref="Evolve"/>; never changed any other way.
/// </summary>
public sealed record ConsentState
{
    public static readonly ConsentState None = new();

    public bool Started { get; init; }
    public string WorkflowId { get; init; } = "";
    public int WorkflowVersion { get; init; }
    public string ContentHash { get; init; } = "";
    public string Locale { get; init; } = "";
    public Representative? Representative { get; init; }
    /// <summary>The seed of this consent's quiz option order, as recorded when it started.</summary>
    public int? OptionSeed { get; init; }
    public ConsentStatus Status { get; init; } = ConsentStatus.Pending;
    /// <summary>The bookmark: the step waiting for the patient's input, if any.</summary>
    public string? CurrentStepId { get; init; }
    /// <summary>Where the patient goes back to after a re-opened explanation or a decision they were sent to early.</summary>
    public string? ReturnToStepId { get; init; }
    /// <summary>The step the patient said "I do not want to go on" at: they see the neutral screen until they choose.</summary>
    public string? StoppedAtStepId { get; init; }
    public ImmutableHashSet<string> Completed { get; init; } = [];
    public ImmutableDictionary<string, string> Choices { get; init; } = ImmutableDictionary<string, string>.Empty;
    public ImmutableDictionary<string, bool> Provisions { get; init; } = ImmutableDictionary<string, bool>.Empty;
    public ImmutableDictionary<string, string> RiskInitials { get; init; } = ImmutableDictionary<string, string>.Empty;
    /// <summary>Wrong answers per quiz since the last discussion.</summary>
    public ImmutableDictionary<string, int> WrongAnswers { get; init; } = ImmutableDictionary<string, int>.Empty;
    public string? ExhaustedQuizId { get; init; }
    /// <summary>Where a discussion returns to: a question may also come while the clinician's countersignature is awaited.</summary>
    public ConsentStatus? StatusBeforeDiscussion { get; init; }
    public bool? Consented { get; init; }
    public ImmutableList<SignatureRecord> Signatures { get; init; } = [];
    public string? Countersigner { get; init; }
    public ImmutableList<StaffSigned> StaffSignatures { get; init; } = [];
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset LastActivityAt { get; init; }
    public DateTimeOffset? GrantedAt { get; init; }
    public DateTimeOffset? ValidFrom { get; init; }
    public DateTimeOffset? ValidUntil { get; init; }
    public bool CoolingOffOver { get; init; }
    /// <summary>A reminder was raised for the current idle spell and nothing has happened since.</summary>
    public bool ReminderSent { get; init; }
    public ImmutableList<DateTimeOffset> Reaffirmations { get; init; } = [];
    public string? WithdrawalReason { get; init; }
    public int? SupersededBy { get; init; }
    public int Version { get; init; }

    public ConsentState Evolve(ConsentEvent e)
    {
        var next = Apply(e) with { Version = Version + 1 };
        // Any activity ends an idle spell, so coordinators stop seeing the reminder and a new spell may raise another.
        return e is ReminderDue or CoolingOffEnded or ConsentExpired ? next : next with { LastActivityAt = e.At, ReminderSent = false };
    }

    public static ConsentState Replay(IEnumerable<ConsentEvent> events) => events.Aggregate(None, (state, e) => state.Evolve(e));

    private ConsentState Apply(ConsentEvent e) => e switch
    {
        ConsentStarted s => this with
        {
            Started = true, WorkflowId = s.WorkflowId, WorkflowVersion = s.WorkflowVersion, ContentHash = s.ContentHash,
            Locale = s.Locale, Representative = s.Representative, CurrentStepId = s.FirstStepId, CreatedAt = s.At, OptionSeed = s.OptionSeed,
        },
        SectionRead r => Step(r.StepId, r.NextStepId) with { ReturnToStepId = r.NextStepId == ReturnToStepId ? null : ReturnToStepId },
        RiskAcknowledged r => Step(r.StepId, r.NextStepId) with { RiskInitials = RiskInitials.SetItem(r.StepId, r.Initials) },
        QuizAnswered { Correct: true } q => Step(q.StepId, q.NextStepId) with { WrongAnswers = WrongAnswers.Remove(q.StepId) },
        QuizAnswered q => this with { WrongAnswers = WrongAnswers.SetItem(q.StepId, WrongAnswers.GetValueOrDefault(q.StepId) + 1) },
        ExplanationReopened r => this with { CurrentStepId = r.StepId, ReturnToStepId = r.QuizStepId },
        QuizAttemptsExhausted x => Pause() with { ExhaustedQuizId = x.StepId },
        ChoiceMade c => Step(c.StepId, c.NextStepId) with { Choices = Choices.SetItem(c.StepId, c.OptionId) },
        ProvisionAnswered p => Step(p.StepId, p.NextStepId) with { Provisions = Provisions.SetItem(p.StepId, p.Accepted) },
        DecisionRequested d => this with { Status = ConsentStatus.InProgress, CurrentStepId = d.DecisionStepId, ReturnToStepId = d.FromStepId },
        StopRequested s => this with { StoppedAtStepId = s.FromStepId },
        // A legacy early decision (DecisionRequested) returns to where the patient left; a new stop keeps its way back.
        ReadingContinued r => this with { CurrentStepId = r.StepId, StoppedAtStepId = null, ReturnToStepId = r.StepId == ReturnToStepId ? null : ReturnToStepId },
        DecisionRecorded d => Step(d.StepId, d.NextStepId) with { Consented = d.Consented, ReturnToStepId = null },
        ConsentDeclined => this with { Status = ConsentStatus.Declined, CurrentStepId = null, StoppedAtStepId = null },
        ConsentSigned s => Step(s.StepId, s.NextStepId) with
        {
            Signatures = Signatures.Add(new SignatureRecord(s.StepId, s.SignerRole, s.SignerName, s.Relationship, s.StatementSha256, s.SignatureSha256, s.At)),
        },
        CountersignRequested => this with { Status = ConsentStatus.AwaitingCountersign, CurrentStepId = null },
        ConsentCountersigned c => this with { Countersigner = c.ClinicianName },
        StaffSigned s => this with { StaffSignatures = StaffSignatures.Add(s) },
        ConsentGranted g => this with { Status = ConsentStatus.Granted, CurrentStepId = null, GrantedAt = g.At, ValidFrom = g.ValidFrom, ValidUntil = g.ValidUntil },
        LocaleChanged l => this with { Locale = l.Locale },
        QuestionRaised => Pause() with { StoppedAtStepId = null },
        DiscussionResumed => this with
        {
            Status = StatusBeforeDiscussion == ConsentStatus.AwaitingCountersign ? ConsentStatus.AwaitingCountersign : ConsentStatus.InProgress,
            StatusBeforeDiscussion = null,
            WrongAnswers = ExhaustedQuizId is { } quiz ? WrongAnswers.Remove(quiz) : WrongAnswers,
            ExhaustedQuizId = null,
        },
        ConsentReaffirmed r => this with { Reaffirmations = Reaffirmations.Add(r.At) },
        ConsentWithdrawn w => this with { Status = ConsentStatus.Withdrawn, CurrentStepId = null, StoppedAtStepId = null, WithdrawalReason = w.ReasonCode },
        CoolingOffEnded => this with { CoolingOffOver = true },
        ConsentExpired => this with { Status = ConsentStatus.Expired },
        ReminderDue => this with { ReminderSent = true },
        ConsentSuperseded s => this with { Status = ConsentStatus.Superseded, SupersededBy = s.ToVersion },
        _ => throw new ArgumentException($"Unknown consent event {e.GetType().Name}", nameof(e)),
    };

    private ConsentState Pause() => this with { Status = ConsentStatus.NeedsDiscussion, StatusBeforeDiscussion = Status };

    private ConsentState Step(string stepId, string? nextStepId) => this with
    {
        Status = Status == ConsentStatus.Pending ? ConsentStatus.InProgress : Status,
        Completed = Completed.Add(stepId),
        CurrentStepId = nextStepId,
    };
}
