namespace Consent.Workflows.Linting;

/// <summary>
/// What a valid consent must disclose (21 CFR 50.25, ICH E6 4.8.10, the 2018 Common Rule key-information rule;
/// see shared/disclosure-facts.md). Each definition tags its sections with these, and the tagged sections must
/// show each one in their text (workflows/evidence/{locale}.yaml).
/// </summary>
public static class DisclosureElements
{
    /// <summary>50.25(a) 1-8 and the key-information summary: every consent.</summary>
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

    /// <summary>50.25(b): required where the workflow's <c>disclosure.additionalElements</c> says they apply.</summary>
    public static readonly IReadOnlyDictionary<string, string> Additional = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["unforeseeable_risks"] = "risks that cannot be foreseen now, including to an embryo or fetus",
        ["termination"] = "when the clinic or investigator may stop the person's participation without their consent",
        ["additional_costs"] = "any additional costs",
        ["withdrawal_consequences"] = "the consequences of withdrawing (cells once given, collected cells, money paid)",
        ["new_findings"] = "that significant new findings will be told",
        ["participants"] = "the approximate number of people taking part, when it is research",
    };

    public static bool IsKnown(string element) => Required.ContainsKey(element) || Additional.ContainsKey(element);

    public static string Meaning(string element) => Required.GetValueOrDefault(element) ?? Additional.GetValueOrDefault(element) ?? element;
}
