using System.Globalization;
using System.Net;
using System.Text;
using System.Xml;
using Consent.Workflows.Clinics;
using Consent.Workflows.Definitions;
using Consent.Workflows.Linting;

namespace Consent.Cli.Review;

/// <summary>
/// The review packet as one self-contained HTML page: the hash under review, settings, lint results, missing
/// clinic values, and every step in every locale as the patient sees it (clinic values filled in), with the
/// elements it covers and the evidence found, quiz options with the right answer and the understandings checked.
/// </summary>
internal static class ReviewPacket
{
    public static string Html(WorkflowDefinition template, ClinicProfile profile, LintRules rules, bool? approved)
    {
        var d = Placeholders.RenderAll(template, profile);
        var lint = WorkflowLinter.Lint(template, rules);
        var missing = profile.MissingFor(Placeholders.UsedBy(template), template.Locales);
        var h = new StringBuilder();
        h.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(E($"Review: {template.Id} v{template.Version} for {profile.Id}")).Append("</title>\n<style>")
            .Append("body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}")
            .Append("section.step{border-top:1px solid #888;margin-top:1.5rem}.locale{display:grid;grid-template-columns:1fr 1fr;gap:1rem}")
            .Append(".text{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}.error{color:#a00}.ok{color:#060}code{font-size:90%}")
            .Append("</style></head><body>\n");
        h.Append("<h1>").Append(E(template.Title.For("en", template.DefaultLocale))).Append("</h1>\n");
        h.Append("<p>Workflow <code>").Append(E(template.Id)).Append("</code> version ").Append(template.Version)
            .Append(", clinic <code>").Append(E(profile.Id)).Append("</code></p>\n");
        h.Append("<p><strong>Content hash under review:</strong> <code id=\"content-hash\">").Append(E(template.ContentHash)).Append("</code> ")
            .Append(approved switch { true => "(approved)", false => "(not yet approved)", null => "(no approvals file)" }).Append("</p>\n");
        h.Append("<p>To approve it, add to <code>workflows/approvals.yaml</code>:</p><pre>  - workflow: ").Append(E(template.Id))
            .Append("\n    version: ").Append(template.Version).Append("\n    contentHash: ").Append(E(template.ContentHash))
            .Append("\n    approvedBy: \"IRB name, meeting date\"</pre>\n");
        Settings(h, template);
        h.Append("<h2>Lint</h2>\n");
        if (lint.Findings.IsEmpty) h.Append("<p class=\"ok\" id=\"lint\">No findings: complete and honest by the linter's rules.</p>\n");
        else
        {
            h.Append("<ul id=\"lint\">");
            foreach (var f in lint.Findings) h.Append("<li class=\"").Append(f.Severity == LintSeverity.Error ? "error" : "").Append("\">").Append(E(f.ToString())).Append("</li>");
            h.Append("</ul>\n");
        }
        h.Append("<h2>Clinic values</h2>\n");
        h.Append(missing.Count == 0
            ? "<p class=\"ok\">The profile holds every value this workflow uses.</p>\n"
            : $"<p class=\"error\">Missing from the profile (a consent cannot start): {E(string.Join(", ", missing))}</p>\n");
        h.Append("<h2>Steps, as the patient sees them</h2>\n");
        for (var i = 0; i < d.Steps.Length; i++) Step(h, d, template, d.Steps[i], i, rules);
        h.Append("</body></html>\n");
        return h.ToString();
    }

    private static void Settings(StringBuilder h, WorkflowDefinition d)
    {
        var s = d.Settings;
        h.Append("<h2>Settings</h2>\n<ul id=\"settings\">")
            .Append("<li>Kind: ").Append(E(d.Disclosure?.Kind.ToString().ToLowerInvariant() ?? "not declared")).Append("</li>")
            .Append("<li>Additional elements (21 CFR 50.25(b)): ").Append(E(d.Disclosure is { } x && !x.AdditionalElements.IsEmpty ? string.Join(", ", x.AdditionalElements) : "none")).Append("</li>")
            .Append("<li>Clinician countersigns: ").Append(s.CountersignRequired ? "yes" : "no").Append("</li>")
            .Append("<li>Witness signs: ").Append(s.WitnessRequired ? "yes" : "no").Append("</li>")
            .Append("<li>Cooling-off: ").Append(XmlConvert.ToString(s.CoolingOff)).Append("</li>")
            .Append("<li>Validity: ").Append(XmlConvert.ToString(s.Validity)).Append("</li>")
            .Append("<li>Reaffirmation: ").Append(s.Reaffirmation is { } r ? XmlConvert.ToString(r.Window) : "none").Append("</li>")
            .Append("<li>Wrong quiz answers allowed (default): ").Append(s.DefaultQuizAttempts.ToString(CultureInfo.InvariantCulture)).Append("</li>")
            .Append("<li>Locales: ").Append(E(string.Join(", ", d.Locales))).Append("</li></ul>\n");
    }

    private static void Step(StringBuilder h, WorkflowDefinition d, WorkflowDefinition template, StepDefinition s, int index, LintRules rules)
    {
        h.Append("<section class=\"step\" id=\"step-").Append(E(s.Id)).Append("\"><h3>").Append(index + 1).Append(". ").Append(E(s.Id))
            .Append(" <small>(").Append(s.Type.ToString().ToLowerInvariant()).Append(")</small></h3>\n");
        if (s.When is { } w) h.Append("<p>Shown only when <code>").Append(E(w.StepId)).Append("</code> is ").Append(E(string.Join(" or ", w.AnyOf))).Append(".</p>\n");
        var templateStep = template.Steps[index];
        if (!s.Elements.IsEmpty)
        {
            h.Append("<p>Covers: </p><ul>");
            foreach (var element in s.Elements)
            {
                h.Append("<li><strong>").Append(E(element)).Append("</strong> (").Append(E(DisclosureElements.Meaning(element))).Append("): ");
                foreach (var locale in d.Locales)
                {
                    var rule = rules.Evidence.For(locale)?.Elements.GetValueOrDefault(element);
                    var shown = rule is not null && EvidenceRules.Shows(rule, DisclosureLint.Shown(templateStep, locale), out var found)
                        ? $"<span class=\"ok\">{locale}: \u201C{E(string.Join("\u201D, \u201C", found))}\u201D</span>"
                        : $"<span class=\"error\">{locale}: no evidence found</span>";
                    h.Append(shown).Append(' ');
                }
                h.Append("</li>");
            }
            h.Append("</ul>\n");
        }
        if (!s.Checks.IsEmpty) h.Append("<p>Checks understanding of: ").Append(E(string.Join(", ", s.Checks))).Append("</p>\n");
        if (s.Type == StepType.Quiz) h.Append("<p>Wrong answers allowed: ").Append(s.AttemptLimit(d.Settings)).Append("; options are shown in a per-consent shuffled order.</p>\n");
        h.Append("<div class=\"locale\">");
        foreach (var locale in d.Locales)
        {
            h.Append("<div lang=\"").Append(E(locale)).Append("\"><h4>").Append(E(locale)).Append(": ").Append(E(s.Title.For(locale, d.DefaultLocale))).Append("</h4>");
            if (s.Body.ByLocale.TryGetValue(locale, out var body)) h.Append("<div class=\"text\">").Append(E(body)).Append("</div>");
            if (!s.Options.IsEmpty)
            {
                h.Append("<ul>");
                foreach (var o in s.Options)
                {
                    h.Append("<li>").Append(E(o.Label.For(locale, d.DefaultLocale)));
                    if (s.Type == StepType.Quiz && o.Id == s.CorrectOption) h.Append(" <strong>(right answer)</strong>");
                    if (o.Next is not null) h.Append(" → ").Append(E(o.Next));
                    h.Append("</li>");
                }
                h.Append("</ul>");
            }
            if (s.Statement.ByLocale.TryGetValue(locale, out var statement))
            {
                h.Append("<p>Signed by ").Append(E(string.Join(" or ", s.SignerRoles.Select(r => r.ToString().ToLowerInvariant())))).Append(":</p><div class=\"text\">").Append(E(statement)).Append("</div>");
            }
            h.Append("</div>");
        }
        h.Append("</div></section>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
