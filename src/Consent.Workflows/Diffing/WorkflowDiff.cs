using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Consent.Workflows.Definitions;

namespace Consent.Workflows.Diffing;

public enum ChangeKind { Cosmetic, Material }

public sealed record SectionChange(string StepId, string Field, string? Locale, ChangeKind Kind, string Reason);

public sealed record DiffReport(ImmutableArray<SectionChange> Changes)
{
    public bool IsMaterial => Changes.Any(c => c.Kind == ChangeKind.Material);

    /// <summary>The steps (or "settings") whose change obliges re-consent.</summary>
    public ImmutableArray<string> MaterialSections =>
        [.. Changes.Where(c => c.Kind == ChangeKind.Material).Select(c => c.StepId).Distinct(StringComparer.Ordinal)];
}

/// <summary>
/// Compares two versions of a workflow and says whether a patient who consented to the first has consented to the
/// second. Only typography (spacing, quotes, dashes, emphasis, case) and spelling fixes are cosmetic; any other
/// change to what the patient reads or signs, to the risks, choices, provisions or to the consent's timing is
/// material and drives re-consent. When unsure the diff says material: a needless re-consent costs minutes, a
/// missed one costs the patient's informed choice.
/// </summary>
public static partial class WorkflowDiff
{
    // Words whose change is never a spelling fix, whatever the edit distance: negations, numbers written out,
    // quantities, frequencies and units of time. "not" → "now", "cuatro" → "cuarto" or "months" → "mouths" are
    // one edit apart and change the fact a patient agreed to.
    private static readonly FrozenSet<string> Guarded = new[]
    {
        "not", "no", "never", "nor", "neither", "none", "nothing", "nobody", "cannot", "without", "unless",
        "nunca", "jamás", "ni", "sin", "tampoco", "nada", "nadie", "ningún", "ninguno", "ninguna", "salvo",
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "fifteen", "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "million", "half", "quarter",
        "once", "twice", "double", "first", "second", "third", "fourth", "fifth",
        "cero", "uno", "una", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "doce",
        "quince", "veinte", "treinta", "cuarenta", "cincuenta", "cien", "ciento", "mil", "millón", "medio", "media",
        "mitad", "doble", "primero", "primera", "segundo", "segunda", "tercero", "tercera", "cuarto", "cuarta",
        "more", "less", "most", "least", "fewer", "many", "several", "always", "often", "rarely", "sometimes", "usually",
        "más", "menos", "muchos", "muchas", "pocos", "pocas", "siempre", "veces", "raramente",
        "minutes", "hours", "days", "weeks", "months", "years", "minutos", "horas", "días", "semanas", "meses", "años",
    }.ToFrozenSet(StringComparer.Ordinal);

    // Word parts that reverse a meaning within a small edit: hypertension → hypotension.
    private static readonly (string, string)[] OpposedParts =
        [("hyper", "hypo"), ("hiper", "hipo"), ("over", "under"), ("inter", "intra"), ("pre", "post"), ("ante", "anti"), ("max", "min")];

    public static DiffReport Compare(WorkflowDefinition from, WorkflowDefinition to)
    {
        var changes = new List<SectionChange>();
        if (from.Id != to.Id) changes.Add(new SectionChange("workflow", "id", null, ChangeKind.Material, $"a different workflow: '{from.Id}' and '{to.Id}'"));
        if (from.DefaultLocale != to.DefaultLocale)
        {
            changes.Add(new SectionChange("workflow", "defaultLocale", null, ChangeKind.Cosmetic, $"default locale changed from {from.DefaultLocale} to {to.DefaultLocale}: each consent keeps the locale it chose"));
        }
        Text(changes, "workflow", "title", from.Title, to.Title);
        foreach (var removed in from.Locales.Except(to.Locales))
        {
            changes.Add(new SectionChange("workflow", "locales", removed, ChangeKind.Material, $"locale '{removed}' removed"));
        }
        foreach (var added in to.Locales.Except(from.Locales))
        {
            changes.Add(new SectionChange("workflow", "locales", added, ChangeKind.Cosmetic, $"locale '{added}' added: no earlier consent used it"));
        }
        Settings(changes, from.Settings, to.Settings);

        var fromIds = from.Steps.Select(s => s.Id).ToList();
        var toIds = to.Steps.Select(s => s.Id).ToList();
        foreach (var id in fromIds.Except(toIds)) changes.Add(new SectionChange(id, "step", null, ChangeKind.Material, "step removed"));
        foreach (var id in toIds.Except(fromIds)) changes.Add(new SectionChange(id, "step", null, ChangeKind.Material, "step added"));
        var common = fromIds.Intersect(toIds).ToList();
        if (!common.SequenceEqual(toIds.Where(common.Contains)))
        {
            changes.Add(new SectionChange("workflow", "steps", null, ChangeKind.Material, "steps reordered"));
        }
        foreach (var id in common) Step(changes, from.FindStep(id)!, to.FindStep(id)!);
        return new DiffReport([.. changes]);
    }

    private static void Settings(List<SectionChange> changes, WorkflowSettings a, WorkflowSettings b)
    {
        void Material(string field, object? x, object? y)
        {
            if (!Equals(x, y)) changes.Add(new SectionChange("settings", field, null, ChangeKind.Material, $"{field} changed from {x} to {y}"));
        }
        void Administrative(string field, object? x, object? y)
        {
            if (!Equals(x, y)) changes.Add(new SectionChange("settings", field, null, ChangeKind.Cosmetic, $"{field} changed from {x} to {y}: administrative, not part of what the patient agreed to"));
        }
        Material("countersign", a.CountersignRequired, b.CountersignRequired);
        Material("witness", a.WitnessRequired, b.WitnessRequired);
        Material("coolingOff", a.CoolingOff, b.CoolingOff);
        Material("validity", a.Validity, b.Validity);
        Material("reaffirmation", a.Reaffirmation?.Window, b.Reaffirmation?.Window);
        Administrative("quizAttempts", a.DefaultQuizAttempts, b.DefaultQuizAttempts);
        Administrative("reminderAfter", a.ReminderAfter, b.ReminderAfter);
        Administrative("tabletTokenLifetime", a.TabletTokenLifetime, b.TabletTokenLifetime);
        Administrative("acceptedEarlierVersions", string.Join(',', a.AcceptedEarlierVersions), string.Join(',', b.AcceptedEarlierVersions));
    }

    private static void Step(List<SectionChange> changes, StepDefinition a, StepDefinition b)
    {
        void Material(string field, bool differs, string reason)
        {
            if (differs) changes.Add(new SectionChange(a.Id, field, null, ChangeKind.Material, reason));
        }
        Material("type", a.Type != b.Type, $"type changed from {a.Type} to {b.Type}");
        Material("elements", !a.Elements.SequenceEqual(b.Elements), "disclosure elements changed");
        Material("when", !Equals(a.When?.StepId, b.When?.StepId) || !(a.When?.AnyOf ?? []).SequenceEqual(b.When?.AnyOf ?? []), "the patients who see this step changed");
        Material("next", a.Next != b.Next, "the route after this step changed");
        Material("correct", a.CorrectOption != b.CorrectOption, "the correct answer changed");
        Material("explanation", a.Explanation != b.Explanation, "the explanation re-opened changed");
        Material("signerRoles", !a.SignerRoles.SequenceEqual(b.SignerRoles), "who may sign changed");
        Material("patientFacing", a.PatientFacing != b.PatientFacing, "patient-facing flag changed");
        Material("claimsAllowed", !a.ClaimsAllowed.SequenceEqual(b.ClaimsAllowed), "allowed claims changed");
        Material("options", !a.Options.Select(o => (o.Id, o.Next)).SequenceEqual(b.Options.Select(o => (o.Id, o.Next))), "options added, removed, reordered or re-routed");
        if (a.MaxAttempts != b.MaxAttempts)
        {
            changes.Add(new SectionChange(a.Id, "maxAttempts", null, ChangeKind.Cosmetic, "quiz attempt limit changed: administrative"));
        }
        Text(changes, a.Id, "title", a.Title, b.Title);
        Text(changes, a.Id, "body", a.Body, b.Body);
        Text(changes, a.Id, "statement", a.Statement, b.Statement);
        foreach (var o in a.Options)
        {
            if (b.Options.FirstOrDefault(x => x.Id == o.Id) is { } other) Text(changes, a.Id, $"options.{o.Id}.label", o.Label, other.Label);
        }
    }

    private static void Text(List<SectionChange> changes, string stepId, string field, LocalizedText a, LocalizedText b)
    {
        foreach (var locale in a.ByLocale.Keys.Union(b.ByLocale.Keys).Order(StringComparer.Ordinal))
        {
            var x = a.ByLocale.GetValueOrDefault(locale);
            var y = b.ByLocale.GetValueOrDefault(locale);
            if (x == y) continue;
            var (kind, reason) = x is null || y is null ? (ChangeKind.Material, "text added or removed") : ClassifyText(x, y);
            changes.Add(new SectionChange(stepId, field, locale, kind, reason));
        }
    }

    /// <summary>Typography, spelling, or a change of meaning.</summary>
    public static (ChangeKind Kind, string Reason) ClassifyText(string before, string after)
    {
        if (Typographic(before) == Typographic(after)) return (ChangeKind.Cosmetic, "typography");
        var x = Tokens(before);
        var y = Tokens(after);
        if (x.Count != y.Count) return (ChangeKind.Material, $"wording changed: {Excerpt(x, y)}");
        var fixes = new List<string>();
        for (var i = 0; i < x.Count; i++)
        {
            if (x[i] == y[i]) continue;
            if (!SpellingFix(x[i], y[i])) return (ChangeKind.Material, $"wording changed: \"{x[i]}\" → \"{y[i]}\"");
            fixes.Add($"{x[i]}→{y[i]}");
        }
        return fixes.Count == 0 ? (ChangeKind.Cosmetic, "punctuation") : (ChangeKind.Cosmetic, $"spelling: {string.Join(", ", fixes)}");
    }

    // A spelling fix: an accent added or removed, or a small edit inside a longer word that keeps its first letter.
    // Typos rarely hit the first letter, while the prefixes that reverse a meaning sit there (possible → impossible,
    // increase → decrease, effective → ineffective).
    private static bool SpellingFix(string a, string b)
    {
        if (a.Any(char.IsDigit) || b.Any(char.IsDigit) || Guarded.Contains(a) || Guarded.Contains(b)) return false;
        if (WithoutAccents(a) == WithoutAccents(b)) return true;
        if (a[0] != b[0] || Math.Min(a.Length, b.Length) < 5) return false;
        if (OpposedParts.Any(p => a.Replace(p.Item1, p.Item2, StringComparison.Ordinal) == b || b.Replace(p.Item1, p.Item2, StringComparison.Ordinal) == a)) return false;
        return Distance(a, b) <= (Math.Min(a.Length, b.Length) >= 8 ? 2 : 1);
    }

    // Only the written accents of Spanish vowels: "ñ" is a letter of its own (año is not ano).
    private static string WithoutAccents(string word) =>
        string.Concat(word.Select(c => c switch { 'á' => 'a', 'é' => 'e', 'í' => 'i', 'ó' => 'o', 'ú' or 'ü' => 'u', _ => c }));

    // The words between the common beginning and end, a few at most: enough for a reviewer to find the change.
    private static string Excerpt(List<string> x, List<string> y)
    {
        var head = 0;
        while (head < x.Count && head < y.Count && x[head] == y[head]) head++;
        var tail = 0;
        while (tail < x.Count - head && tail < y.Count - head && x[^(tail + 1)] == y[^(tail + 1)]) tail++;
        string Part(List<string> words) => string.Join(' ', words.Skip(head).Take(Math.Min(words.Count - head - tail, 8)));
        return $"\"{Part(x)}\" → \"{Part(y)}\"";
    }

    private static string Typographic(string text)
    {
        var s = text.Normalize(NormalizationForm.FormKC)
            .Replace('’', '\'').Replace('‘', '\'').Replace('“', '"').Replace('”', '"').Replace('«', '"').Replace('»', '"')
            .Replace('–', '-').Replace('—', '-').Replace("…", "...", StringComparison.Ordinal);
        s = EmphasisPattern().Replace(s, "");
        s = SpacePattern().Replace(s, " ").Trim();
        return s.ToLower(CultureInfo.InvariantCulture);
    }

    private static List<string> Tokens(string text) => [.. TokenPattern().Matches(Typographic(text)).Select(m => m.Value)];

    // Optimal string alignment (restricted Damerau-Levenshtein): a swap of two letters counts as one edit.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }

    [GeneratedRegex(@"[*_`]+")]
    private static partial Regex EmphasisPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex SpacePattern();

    [GeneratedRegex(@"[\p{L}\p{N}%]+")]
    private static partial Regex TokenPattern();
}
