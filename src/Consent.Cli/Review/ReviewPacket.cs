using System.Globalization;
using System.Net;
using System.Text;
using System.Xml;
using Consent.Workflows.Clinics;
using Consent.Workflows.Definitions;
using Consent.Workflows.Linting;

namespace Consent.Cli.Review;

internal enum ReviewBlockKind { Title, Heading, StepHeading, LocaleHeading, Line, Item, PatientText, Code, Hash }

internal enum Tone { Plain, Ok, Error }

/// <summary>One piece of the packet; the HTML and the PDF lay out the same blocks, so they cannot say different things.</summary>
internal sealed record ReviewBlock(ReviewBlockKind Kind, string Text, string? Strong = null, string? Lang = null, Tone Tone = Tone.Plain, string? Id = null, string? Note = null);

/// <summary>
/// The review packet: the hash under review, settings, lint results (the template's and the clinic's values), missing
/// clinic values, and every step in every locale as the patient sees it (clinic values filled in), with the elements
/// it covers and the evidence found, quiz options with the right answer and the understandings checked.
/// </summary>
internal static class ReviewPacket
{
    public static IReadOnlyList<ReviewBlock> Blocks(WorkflowDefinition template, ClinicProfile profile, LintRules rules, bool? approved)
    {
        var d = Placeholders.RenderAll(template, profile);
        var lint = WorkflowLinter.Lint(template, rules, profile);
        var missing = profile.MissingFor(Placeholders.UsedBy(template), template.Locales);
        var b = new List<ReviewBlock>
        {
            new(ReviewBlockKind.Title, template.Title.For("en", template.DefaultLocale)),
            new(ReviewBlockKind.Line, $"Workflow {template.Id} version {template.Version}, clinic {profile.Id}"),
            new(ReviewBlockKind.Hash, template.ContentHash, "Content hash under review:",
                Note: approved switch { true => $"(approved for {profile.Id})", false => "(not yet approved)", null => "(no approvals file)" }),
            new(ReviewBlockKind.Line, "To approve it, add to workflows/approvals.yaml:"),
            new(ReviewBlockKind.Code, $"  - workflow: {template.Id}\n    version: {template.Version}\n    clinic: {profile.Id}\n    contentHash: {template.ContentHash}\n    approvedBy: \"IRB name, meeting date\""),
        };
        Settings(b, template);
        b.Add(new(ReviewBlockKind.Heading, "Lint"));
        if (lint.Findings.IsEmpty) b.Add(new(ReviewBlockKind.Line, "No findings: complete and honest by the linter's rules, the clinic's values included.", Tone: Tone.Ok, Id: "lint"));
        else b.AddRange(lint.Findings.Select(f => new ReviewBlock(ReviewBlockKind.Item, f.ToString(), Tone: f.Severity == LintSeverity.Error ? Tone.Error : Tone.Plain, Id: "lint")));
        b.Add(new(ReviewBlockKind.Heading, "Clinic values"));
        b.Add(missing.Count == 0
            ? new(ReviewBlockKind.Line, "The profile holds every value this workflow uses.", Tone: Tone.Ok)
            : new(ReviewBlockKind.Line, $"Missing from the profile (a consent cannot start): {string.Join(", ", missing)}", Tone: Tone.Error));
        b.Add(new(ReviewBlockKind.Heading, "Steps, as the patient sees them"));
        for (var i = 0; i < d.Steps.Length; i++) Step(b, d, template.Steps[i], d.Steps[i], i, rules);
        return b;
    }

    private static void Settings(List<ReviewBlock> b, WorkflowDefinition d)
    {
        var s = d.Settings;
        b.Add(new(ReviewBlockKind.Heading, "Settings"));
        foreach (var item in new[]
        {
            $"Kind: {d.Disclosure?.Kind.ToString().ToLowerInvariant() ?? "not declared"}",
            $"Additional elements (21 CFR 50.25(b)): {(d.Disclosure is { } x && !x.AdditionalElements.IsEmpty ? string.Join(", ", x.AdditionalElements) : "none")}",
            $"Clinician countersigns: {(s.CountersignRequired ? "yes" : "no")}",
            $"Witness signs: {(s.WitnessRequired ? "yes" : "no")}",
            $"Cooling-off: {XmlConvert.ToString(s.CoolingOff)}",
            $"Validity: {XmlConvert.ToString(s.Validity)}",
            $"Reaffirmation: {(s.Reaffirmation is { } r ? XmlConvert.ToString(r.Window) : "none")}",
            $"Wrong quiz answers allowed (default): {s.DefaultQuizAttempts.ToString(CultureInfo.InvariantCulture)}",
            $"Locales: {string.Join(", ", d.Locales)}",
        })
        {
            b.Add(new(ReviewBlockKind.Item, item, Id: "settings"));
        }
    }

    private static void Step(List<ReviewBlock> b, WorkflowDefinition d, StepDefinition template, StepDefinition s, int index, LintRules rules)
    {
        b.Add(new(ReviewBlockKind.StepHeading, $"{index + 1}. {s.Id} ({s.Type.ToString().ToLowerInvariant()})", Id: $"step-{s.Id}"));
        if (s.When is { } w) b.Add(new(ReviewBlockKind.Line, $"Shown only when {w.StepId} is {string.Join(" or ", w.AnyOf)}."));
        if (!s.Elements.IsEmpty) b.Add(new(ReviewBlockKind.Line, "Covers:"));
        foreach (var element in s.Elements)
        {
            var evidence = d.Locales.Select(locale =>
            {
                var rule = rules.Evidence.For(locale)?.Elements.GetValueOrDefault(element);
                return rule is not null && EvidenceRules.Shows(rule, DisclosureLint.Shown(template, locale), out var found)
                    ? (Ok: true, Text: $"{locale}: \u201C{string.Join("\u201D, \u201C", found)}\u201D")
                    : (Ok: false, Text: $"{locale}: no evidence found");
            }).ToList();
            b.Add(new(ReviewBlockKind.Item, $"({DisclosureElements.Meaning(element)}): {string.Join("; ", evidence.Select(e => e.Text))}", element,
                Tone: evidence.All(e => e.Ok) ? Tone.Ok : Tone.Error));
        }
        if (!s.Checks.IsEmpty) b.Add(new(ReviewBlockKind.Line, $"Checks understanding of: {string.Join(", ", s.Checks)}"));
        if (s.Type == StepType.Quiz) b.Add(new(ReviewBlockKind.Line, $"Wrong answers allowed: {s.AttemptLimit(d.Settings)}; options are shown in a per-consent shuffled order."));
        foreach (var locale in d.Locales)
        {
            b.Add(new(ReviewBlockKind.LocaleHeading, $"{locale}: {s.Title.For(locale, d.DefaultLocale)}", Lang: locale));
            if (s.Body.ByLocale.TryGetValue(locale, out var body)) b.Add(new(ReviewBlockKind.PatientText, body, Lang: locale));
            foreach (var o in s.Options)
            {
                var text = o.Label.For(locale, d.DefaultLocale)
                    + (s.Type == StepType.Quiz && o.Id == s.CorrectOption ? " (right answer)" : "")
                    + (o.Next is not null ? $" \u2192 {o.Next}" : "");
                b.Add(new(ReviewBlockKind.Item, text, Lang: locale));
            }
            if (s.Statement.ByLocale.TryGetValue(locale, out var statement))
            {
                b.Add(new(ReviewBlockKind.Line, $"Signed by {string.Join(" or ", s.SignerRoles.Select(r => r.ToString().ToLowerInvariant()))}:"));
                b.Add(new(ReviewBlockKind.PatientText, statement, Lang: locale));
            }
        }
    }

    public static string Html(IReadOnlyList<ReviewBlock> blocks, string title)
    {
        var h = new StringBuilder();
        h.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title>\n<style>")
            .Append("body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}h3{border-top:1px solid #888;padding-top:1rem}")
            .Append(".text{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}.error{color:#a00}.ok{color:#060}code{font-size:90%}")
            .Append("</style></head><body>\n");
        var inList = false;
        foreach (var block in blocks)
        {
            if (inList && block.Kind != ReviewBlockKind.Item)
            {
                h.Append("</ul>\n");
                inList = false;
            }
            var cls = block.Tone switch { Tone.Ok => " class=\"ok\"", Tone.Error => " class=\"error\"", _ => "" };
            var lang = block.Lang is null ? "" : $" lang=\"{E(block.Lang)}\"";
            switch (block.Kind)
            {
                case ReviewBlockKind.Title: h.Append("<h1>").Append(E(block.Text)).Append("</h1>\n"); break;
                case ReviewBlockKind.Heading: h.Append("<h2>").Append(E(block.Text)).Append("</h2>\n"); break;
                case ReviewBlockKind.StepHeading: h.Append("<h3 id=\"").Append(E(block.Id!)).Append("\">").Append(E(block.Text)).Append("</h3>\n"); break;
                case ReviewBlockKind.LocaleHeading: h.Append("<h4").Append(lang).Append('>').Append(E(block.Text)).Append("</h4>\n"); break;
                case ReviewBlockKind.Line: h.Append("<p").Append(cls).Append(block.Id is null ? "" : $" id=\"{E(block.Id)}\"").Append('>').Append(E(block.Text)).Append("</p>\n"); break;
                case ReviewBlockKind.PatientText: h.Append("<div class=\"text\"").Append(lang).Append('>').Append(E(block.Text)).Append("</div>\n"); break;
                case ReviewBlockKind.Code: h.Append("<pre>").Append(E(block.Text)).Append("</pre>\n"); break;
                case ReviewBlockKind.Hash:
                    h.Append("<p><strong>").Append(E(block.Strong!)).Append("</strong> <code id=\"content-hash\">").Append(E(block.Text)).Append("</code> ").Append(E(block.Note!)).Append("</p>\n");
                    break;
                case ReviewBlockKind.Item:
                    if (!inList) h.Append("<ul").Append(block.Id is null ? "" : $" id=\"{E(block.Id)}\"").Append('>');
                    inList = true;
                    h.Append("<li").Append(cls).Append(lang).Append('>');
                    if (block.Strong is not null) h.Append("<strong>").Append(E(block.Strong)).Append("</strong> ");
                    h.Append(E(block.Text)).Append("</li>");
                    break;
            }
        }
        if (inList) h.Append("</ul>\n");
        h.Append("</body></html>\n");
        return h.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
