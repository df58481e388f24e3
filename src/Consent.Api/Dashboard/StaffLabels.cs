namespace Consent.Api.Dashboard;

/// <summary>
/// What staff read instead of the codes the record stores (<c>en</c>, <c>patient_request</c>, <c>tablet:e313…</c>).
/// The codes stay in the events and the API: they are published to other systems, and labels may change.
/// </summary>
public static class StaffLabels
{
    private static readonly Dictionary<string, string> Languages = new(StringComparer.Ordinal)
    {
        ["en"] = "English",
        ["es"] = "Spanish (Español)",
    };

    private static readonly Dictionary<string, string> Reasons = new(StringComparer.Ordinal)
    {
        ["patient_request"] = "The patient asked (no reason given)",
        ["changed_mind"] = "The patient changed their mind",
        ["want_more_time"] = "The patient wants more time to think",
        ["clinical_reason"] = "A clinical reason",
        ["other_treatment"] = "The patient chose another treatment",
        ["not_eligible"] = "The patient is not eligible",
        ["tablet_lost"] = "The tablet was lost",
        ["tablet_not_working"] = "The tablet stopped working",
        ["finish_another_day"] = "The patient will finish another day",
        ["wrong_patient"] = "The tablet was with the wrong person",
        ["other"] = "Another reason",
    };

    public static string Language(string? code) => code is null ? "" : Languages.GetValueOrDefault(code, code);

    public static string Reason(string? code) => code is null ? "" : Reasons.GetValueOrDefault(code, code.Replace('_', ' '));

    public static string Status(string contract) => contract.Replace('_', ' ');

    /// <summary>Who acted, as the care team says it: the patient's tablet, the service, or the staff account and its role.</summary>
    public static string Who(string actor, string role, string device) => role switch
    {
        "tablet" => "Patient's tablet",
        "system" => "The service" + (actor.StartsWith("system:", StringComparison.Ordinal) ? $" ({actor["system:".Length..].Replace('_', ' ')})" : ""),
        _ => $"{actor} ({role})" + (device is "" or "unknown" ? "" : $" · device {device}"),
    };
}
