using Consent.Api.Workflows;
using Consent.Workflows.Clinics;
using Consent.Workflows.Definitions;

namespace Consent.Api.Records;

/// <summary>
/// The clinic's own values that a record's text may carry: its name, its time zone for local times, the care team's
/// number (<c>contacts.main</c>) and its profile, whose values fill the workflow's <c>{clinic.KEY}</c> placeholders.
/// </summary>
public sealed record ClinicValues(string Name, string TimeZone, string? CareTeamPhone = null, ClinicProfile? Profile = null);

/// <summary>
/// The one place a workflow text becomes the words a record shows: the consent's language, with the clinic profile's
/// values filled in, so every record (JSON, PDF, FHIR) says what the patient read.
/// </summary>
public static class RecordText
{
    public static string Render(LocalizedText text, string locale, string fallbackLocale, ClinicValues clinic)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(clinic);
        var shown = text.For(locale, fallbackLocale);
        return clinic.Profile is { } profile ? Placeholders.Render(shown, profile, locale).Text : shown;
    }
}

/// <summary>
/// Where a clinic's values come from until the clinic profile exists: configuration <c>Records:Clinics:{id}:Name</c>
/// and <c>…:TimeZone</c>, else the tablet's time zone (<c>Tablet:TimeZone</c>) and the clinic id.
/// </summary>
public sealed class ClinicValuesSource(IConfiguration configuration, PublishedWorkflows workflows)
{
    public ClinicValues For(string clinicId)
    {
        var clinic = configuration.GetSection("Records:Clinics").GetSection(clinicId);
        var zone = clinic["TimeZone"] ?? configuration["Tablet:TimeZone"] ?? "UTC";
        var profile = workflows.Profiles.For(clinicId);
        return new ClinicValues(
            clinic["Name"] ?? profile?.Value("name", "*") ?? clinicId, TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _) ? zone : "UTC",
            profile?.Value("contacts.main", "*"), profile);
    }

    /// <summary>The identifier system of the clinic's patient ids in FHIR (<c>Records:Clinics:{id}:PatientIdentifierSystem</c>).</summary>
    public string PatientIdentifierSystem(string clinicId) =>
        configuration.GetSection("Records:Clinics").GetSection(clinicId)["PatientIdentifierSystem"]
        ?? configuration["Records:PatientIdentifierSystem"]
        ?? $"urn:consent:{clinicId}:patient-id";
}
