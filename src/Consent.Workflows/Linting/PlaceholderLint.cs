using Consent.Workflows.Clinics;
using Consent.Workflows.Definitions;

namespace Consent.Workflows.Linting;

/// <summary>A placeholder the clinic-profile schema does not know would reach the patient as braces: an error.</summary>
internal static class PlaceholderLint
{
    public static void Check(WorkflowDefinition d, List<LintFinding> f)
    {
        foreach (var s in d.Steps)
        {
            var texts = new[] { ("title", s.Title), ("body", s.Body), ("statement", s.Statement) }
                .Concat(s.Options.Select((o, i) => ($"options[{i}].label", o.Label)));
            foreach (var (field, text) in texts)
            {
                foreach (var (locale, value) in text.ByLocale)
                {
                    foreach (var key in Placeholders.In(value).Where(k => !ClinicFields.ByKey.ContainsKey(k)))
                    {
                        f.Add(new LintFinding(LintSeverity.Error, "unknown-placeholder", $"{s.Source.Path}.{field}", s.Source.Line,
                            $"{locale}: {{clinic.{key}}} is not a clinic-profile field ({string.Join(", ", ClinicFields.All.Select(x => x.Key))})"));
                    }
                }
            }
        }
    }
}
