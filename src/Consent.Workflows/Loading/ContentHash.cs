using System.Security.Cryptography;
using System.Text.Json;
using System.Xml;
using Consent.Workflows.Definitions;

namespace Consent.Workflows.Loading;

/// <summary>
/// SHA-256 over a canonical JSON form of the parsed definition: comments and YAML layout do not change it,
/// any change of text, order or setting does. Every consent records the hash of the version it started on.
/// </summary>
public static class ContentHash
{
    public static string Of(WorkflowDefinition d)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", d.Id);
            w.WriteNumber("version", d.Version);
            Strings(w, "locales", d.Locales);
            w.WriteString("defaultLocale", d.DefaultLocale);
            Text(w, "title", d.Title);
            w.WriteStartObject("settings");
            var s = d.Settings;
            w.WriteBoolean("countersign", s.CountersignRequired);
            w.WriteBoolean("witness", s.WitnessRequired);
            w.WriteString("coolingOff", XmlConvert.ToString(s.CoolingOff));
            w.WriteString("validity", XmlConvert.ToString(s.Validity));
            w.WriteString("reaffirmation", s.Reaffirmation is { } r ? XmlConvert.ToString(r.Window) : "");
            w.WriteStartArray("acceptedEarlierVersions");
            foreach (var v in s.AcceptedEarlierVersions) w.WriteNumberValue(v);
            w.WriteEndArray();
            w.WriteNumber("quizAttempts", s.DefaultQuizAttempts);
            w.WriteString("reminderAfter", XmlConvert.ToString(s.ReminderAfter));
            w.WriteString("tabletTokenLifetime", XmlConvert.ToString(s.TabletTokenLifetime));
            w.WriteEndObject();
            // Written only when present, so versions published before the field existed keep their recorded hash.
            if (d.Disclosure is { } disclosure)
            {
                w.WriteStartObject("disclosure");
                w.WriteString("kind", disclosure.Kind.ToString());
                Strings(w, "additionalElements", disclosure.AdditionalElements);
                w.WriteEndObject();
            }
            w.WriteStartArray("steps");
            foreach (var step in d.Steps) Step(w, step);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
    }

    private static void Step(Utf8JsonWriter w, StepDefinition s)
    {
        w.WriteStartObject();
        w.WriteString("id", s.Id);
        w.WriteString("type", s.Type.ToString());
        Text(w, "title", s.Title);
        Text(w, "body", s.Body);
        Strings(w, "elements", s.Elements);
        w.WriteBoolean("patientFacing", s.PatientFacing);
        w.WriteString("next", s.Next);
        if (s.When is { } when)
        {
            w.WriteStartObject("when");
            w.WriteString("step", when.StepId);
            Strings(w, "anyOf", when.AnyOf);
            w.WriteEndObject();
        }
        w.WriteStartArray("options");
        foreach (var o in s.Options)
        {
            w.WriteStartObject();
            w.WriteString("id", o.Id);
            Text(w, "label", o.Label);
            w.WriteString("next", o.Next);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("correct", s.CorrectOption);
        w.WriteString("explanation", s.Explanation);
        if (s.MaxAttempts is { } max) w.WriteNumber("maxAttempts", max);
        Strings(w, "signerRoles", s.SignerRoles.Select(r => r.ToString()));
        Text(w, "statement", s.Statement);
        w.WriteStartArray("claimsAllowed");
        foreach (var a in s.ClaimsAllowed)
        {
            w.WriteStartObject();
            w.WriteString("rule", a.Rule);
            w.WriteString("source", a.Source);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (!s.Checks.IsDefaultOrEmpty) Strings(w, "checks", s.Checks);
        w.WriteEndObject();
    }

    private static void Text(Utf8JsonWriter w, string name, LocalizedText text)
    {
        w.WriteStartObject(name);
        foreach (var (locale, value) in text.ByLocale.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(locale, value);
        w.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
