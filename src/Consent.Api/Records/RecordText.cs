using Consent.Workflows.Definitions;

namespace Consent.Api.Records;

/// <summary>The clinic's own values that a record's text may carry (its name, its time zone for local times).</summary>
public sealed record ClinicValues(string Name, string TimeZone);

/// <summary>
/// The one place a workflow text becomes the words a record shows. Today it picks the consent's language; the clinic
/// profile (issue #19) will fill the clinic's values into the text here, and every record (JSON, PDF, FHIR) follows.
/// </summary>
public static class RecordText
{
    public static string Render(LocalizedText text, string locale, string fallbackLocale, ClinicValues clinic)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(clinic);
        return text.For(locale, fallbackLocale);
    }
}

/// <summary>
/// Where a clinic's values come from until the clinic profile exists: configuration <c>Records:Clinics:{id}:Name</c>
/// and <c>…:TimeZone</c>, else the tablet's time zone (<c>Tablet:TimeZone</c>) and the clinic id.
/// </summary>
public sealed class ClinicValuesSource(IConfiguration configuration)
{
    public ClinicValues For(string clinicId)
    {
        var clinic = configuration.GetSection("Records:Clinics").GetSection(clinicId);
        var zone = clinic["TimeZone"] ?? configuration["Tablet:TimeZone"] ?? "UTC";
        return new ClinicValues(clinic["Name"] ?? clinicId, TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _) ? zone : "UTC");
    }

    /// <summary>The identifier system of the clinic's patient ids in FHIR (<c>Records:Clinics:{id}:PatientIdentifierSystem</c>).</summary>
    public string PatientIdentifierSystem(string clinicId) =>
        configuration.GetSection("Records:Clinics").GetSection(clinicId)["PatientIdentifierSystem"]
        ?? configuration["Records:PatientIdentifierSystem"]
        ?? $"urn:consent:{clinicId}:patient-id";
}
