using System.Globalization;
using Consent.Api.Consents;

namespace Consent.Api.Dashboard;

/// <summary>Whom a consent is for, in one line for staff: name, date of birth and the patient id as recorded.</summary>
public static class PatientLine
{
    public static string Of(ConsentRecord record) => string.Join(" · ", new[]
    {
        record.PatientName, BirthDate(record.PatientBirthDate) is { Length: > 0 } born ? "born " + born : null, "id " + record.PatientId,
    }.Where(part => part is not null));

    public static string BirthDate(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";
}
