using Consent.Workflows.Runtime;

namespace Consent.Api.Consents;

// Events the service adds around the runtime's own: who the consent is for, and the tablet link. Stream ids are
// random ("cns_…"); the patient id lives only in event data, never in an id, a URL path or a log.

/// <summary><paramref name="ReminderAfter"/> is the pinned workflow version's idle time before coordinators are reminded.</summary>
public sealed record ConsentOpened(string ConsentId, string ClinicId, string PatientId, string ProcedureCode, TimeSpan ReminderAfter, DateTimeOffset At) : ConsentEvent(At);

public sealed record TabletLinkIssued(string TokenSha256, DateTimeOffset ExpiresAt, DateTimeOffset At) : ConsentEvent(At);

/// <summary>The care team booked the procedure for <paramref name="ScheduledFor"/>; the dashboard shows the gate's answer for that time.</summary>
public sealed record ProcedureScheduled(DateTimeOffset ScheduledFor, DateTimeOffset At) : ConsentEvent(At);

/// <summary>Staff withdrew the tablet link (a tablet lost, or a patient who will finish another day); none is current now.</summary>
public sealed record TabletLinkRevoked(DateTimeOffset At) : ConsentEvent(At);

/// <summary>One consent as the service sees it: the runtime's state plus who it is for and its tablet link.</summary>
public sealed record ConsentRecord
{
    public static readonly ConsentRecord None = new();

    public string Id { get; init; } = "";
    public string ClinicId { get; init; } = "";
    public string PatientId { get; init; } = "";
    public string ProcedureCode { get; init; } = "";
    public ConsentState Runtime { get; init; } = ConsentState.None;
    public string? TabletTokenSha256 { get; init; }
    public DateTimeOffset? TabletExpiresAt { get; init; }
    /// <summary>The stream version: the number of events stored.</summary>
    public long Version { get; init; }
    public string LastHash { get; init; } = Integrity.EventChain.Genesis;
    public DateTimeOffset UpdatedAt { get; init; }
    public TimeSpan ReminderAfter { get; init; }
    /// <summary>When the procedure is booked, if the care team recorded it.</summary>
    public DateTimeOffset? ScheduledFor { get; init; }
    /// <summary>The patient's name and date of birth as staff recorded them (health data: never logged or published).</summary>
    public string? PatientName { get; init; }
    public DateOnly? PatientBirthDate { get; init; }
    /// <summary>The tablet link on which the person at the tablet said "this is me"; another link asks again.</summary>
    public string? IdentityConfirmedLink { get; init; }
    /// <summary>When the person at the tablet said "this is not me", until staff issue a new link.</summary>
    public DateTimeOffset? IdentityRejectedAt { get; init; }

    /// <summary>The tablet must ask "Is this you?" before showing anything of the consent.</summary>
    public bool AsksIdentity => PatientName is not null && TabletTokenSha256 is not null && IdentityConfirmedLink != TabletTokenSha256;

    public bool Exists => Version > 0;

    /// <summary>When the clock next has something to do for this consent: end of cooling-off, expiry, or a reminder.</summary>
    public DateTimeOffset? NextDueAt => ConsentRuntime.NextTimer(Runtime, ReminderAfter);

    /// <summary>
    /// The one fold of a consent: the record after stored event <paramref name="e"/>, whose place in the chain is
    /// <paramref name="hash"/> (null where the chain is not needed, e.g. the relay's gate as of an event). The write path,
    /// the inline projection, replay and the relay all fold with this.
    /// </summary>
    public ConsentRecord Apply(ConsentEvent e, string? hash = null) => (e switch
    {
        ConsentOpened o => this with { Id = o.ConsentId, ClinicId = o.ClinicId, PatientId = o.PatientId, ProcedureCode = o.ProcedureCode, ReminderAfter = o.ReminderAfter },
        TabletLinkIssued t => this with { TabletTokenSha256 = t.TokenSha256, TabletExpiresAt = t.ExpiresAt, IdentityRejectedAt = null },
        PatientIdentified p => this with { PatientName = p.Name, PatientBirthDate = p.BirthDate },
        PatientIdentityConfirmed => this with { IdentityConfirmedLink = TabletTokenSha256 },
        PatientIdentityRejected r => this with { TabletTokenSha256 = null, TabletExpiresAt = null, IdentityRejectedAt = r.At },
        TabletLinkReplaced => this,
        TabletLinkRevoked => this with { TabletTokenSha256 = null, TabletExpiresAt = null },
        ProcedureScheduled p => this with { ScheduledFor = p.ScheduledFor },
        _ => this with { Runtime = Runtime.Evolve(e) },
    }) with { Version = Version + 1, UpdatedAt = e.At, LastHash = hash ?? LastHash };

    /// <summary>A whole stream as Marten returns it, folded event by event with each event's stored chain hash.</summary>
    public static ConsentRecord Fold(IEnumerable<JasperFx.Events.IEvent> events) =>
        events.Aggregate(None, (record, e) => e.Data is ConsentEvent data ? record.Apply(data, ConsentStreams.HashOf(e)) : record);
}
