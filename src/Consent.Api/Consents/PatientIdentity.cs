using System.Globalization;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;

namespace Consent.Api.Consents;

// Whom a consent is for, as staff recorded it, and the patient's own answer on the tablet to "Is this you?". The name
// and date of birth are health data: they stay in the consent's own stream and its projection row, and never go into
// a log line, a URL, an integration message or the access log (the relay publishes none of these events).

/// <summary>Staff recorded the patient's name (and date of birth, when known) with the consent.</summary>
public sealed record PatientIdentified(string Name, DateOnly? BirthDate, DateTimeOffset At) : ConsentEvent(At);

/// <summary>The person at the tablet said the consent shown is theirs (asked once per tablet link).</summary>
public sealed record PatientIdentityConfirmed(DateTimeOffset At) : ConsentEvent(At);

/// <summary>The person at the tablet said "this is not me": the link ends at once and staff are alerted.</summary>
public sealed record PatientIdentityRejected(DateTimeOffset At) : ConsentEvent(At);

/// <summary>A patient's name and date of birth as staff type them, checked once for the API and the dashboard.</summary>
public sealed record PatientDetails(string Name, DateOnly? BirthDate)
{
    public const int MaxName = 200;

    /// <summary>The details sent, or the field at fault and why; (null, null) when none were sent.</summary>
    public static (PatientDetails? Details, (string Field, string Message)? Problem) Read(string? name, string? birthDate, DateTimeOffset now)
    {
        var hasName = !string.IsNullOrWhiteSpace(name);
        DateOnly? born = null;
        if (!string.IsNullOrWhiteSpace(birthDate))
        {
            if (!DateOnly.TryParseExact(birthDate.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                return (null, ("patientBirthDate", "A date of birth is written 1980-04-23."));
            }
            // A day after today is a typing slip, and 1900 is older than any patient the clinic will see.
            if (day.Year < 1900 || day > DateOnly.FromDateTime(now.UtcDateTime.AddDays(1))) return (null, ("patientBirthDate", "A date of birth lies between 1900-01-01 and today."));
            born = day;
        }
        if (!hasName) return born is null ? (null, null) : (null, ("patientName", "A date of birth goes with the patient's name."));
        var trimmed = name!.Trim();
        if (trimmed.Length > MaxName) return (null, ("patientName", $"A patient's name is at most {MaxName} characters."));
        if (trimmed.Any(char.IsControl)) return (null, ("patientName", "A patient's name is one line of text."));
        return (new PatientDetails(trimmed, born), null);
    }
}

/// <summary>The person at the tablet answers "Is this you?".</summary>
public sealed record AnswerIdentity(bool IsThePatient) : ConsentChange
{
    public override Decision Decide(ConsentRecord record, WorkflowDefinition definition, DateTimeOffset now) =>
        record.PatientName is null ? Decision.Reject(RejectionCode.NotAllowedInStatus, "identity", "No patient name was recorded for this consent.")
        : record.Runtime.Status.IsFinal() ? Decision.Reject(RejectionCode.NotAllowedInStatus, "status", "The consent has ended.")
        : IsThePatient ? Decision.Accept(new PatientIdentityConfirmed(now))
        : Decision.Accept(new PatientIdentityRejected(now));
}
