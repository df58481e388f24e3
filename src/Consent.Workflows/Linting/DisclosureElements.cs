namespace Consent.Workflows.Linting;

/// <summary>
/// What a valid consent must disclose (21 CFR 50.25, ICH E6 4.8.10, the 2018 Common Rule key-information rule;
/// see shared/disclosure-facts.md). Each definition tags its sections with these; one missing is an error.
/// </summary>
public static class DisclosureElements
{
    public static readonly IReadOnlyDictionary<string, string> Required = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["key_information"] = "a short key-information summary first",
        ["purpose"] = "the purpose of the procedure",
        ["investigational"] = "whether it is investigational or unapproved (or that it is standard care)",
        ["procedures"] = "what will be done",
        ["duration"] = "how long it takes",
        ["risks"] = "foreseeable risks and discomforts",
        ["benefits"] = "possible benefits, honestly, including that there may be none",
        ["alternatives"] = "the alternatives",
        ["confidentiality"] = "confidentiality of records",
        ["injury_compensation"] = "compensation and medical care for injury",
        ["contacts"] = "whom to contact",
        ["voluntary"] = "that taking part is voluntary and refusal carries no penalty or loss of usual care",
        ["withdrawal"] = "that consent can be withdrawn at any time",
        ["costs"] = "costs to the patient",
    };
}
