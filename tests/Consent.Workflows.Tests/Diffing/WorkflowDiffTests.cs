using Consent.Workflows.Definitions;
using Consent.Workflows.Diffing;
using Consent.Workflows.Loading;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Diffing;

public sealed class WorkflowDiffTests
{
    private static WorkflowDefinition Load(string yaml) => WorkflowLoader.Parse(yaml, "x.yaml").Definition ?? throw new InvalidOperationException(string.Join(" | ", WorkflowLoader.Parse(yaml, "x.yaml").Errors));

    private static DiffReport Diff(string find, string replace) =>
        WorkflowDiff.Compare(Load(Minimal.Yaml), Load(Minimal.With(find, replace).Replace("version: 1", "version: 2", StringComparison.Ordinal)));

    [Fact]
    public void Identical_definitions_have_no_changes() =>
        WorkflowDiff.Compare(Shipped.StemCellMs, Shipped.StemCellMs).Changes.ShouldBeEmpty();

    [Theory]
    [InlineData("Your arm may hurt.", "Your arm may hurt a lot.", "risk-a")]
    [InlineData("Your arm may hurt.", "Your leg may hurt.", "risk-a")]
    [InlineData("I agree.", "I agree to everything.", "signature")]
    [InlineData("May we take photos?", "May we take videos?", "photos")]
    [InlineData("label: { en: Way B, es: Forma B }", "label: { en: Way C, es: Forma B }", "route")]
    public void Changed_risks_procedures_provisions_or_statements_are_material(string find, string replace, string section)
    {
        var report = Diff(find, replace);
        report.IsMaterial.ShouldBeTrue();
        report.MaterialSections.ShouldBe([section]);
    }

    [Theory]
    [InlineData("  validity: P30D", "  validity: P60D")]
    [InlineData("  coolingOff: PT1H", "  coolingOff: PT24H")]
    [InlineData("  countersign: false", "  countersign: true")]
    public void Changed_timing_or_countersignature_is_material(string find, string replace) =>
        Diff(find, replace).MaterialSections.ShouldBe(["settings"]);

    [Fact]
    public void An_added_step_or_option_is_material()
    {
        Diff("  - id: photos\n", "  - id: videos\n    type: provision\n    title: { en: Videos, es: Videos }\n    body: { en: May we film?, es: ¿Podemos filmar? }\n  - id: photos\n").MaterialSections.ShouldBe(["videos"]);
        Diff("      - id: b\n", "      - id: c\n        label: { en: Way C, es: Forma C }\n      - id: b\n").IsMaterial.ShouldBeTrue();
    }

    [Theory]
    [InlineData("Your arm may hurt.", "Your arm  may hurt.", "typography")]
    [InlineData("Your arm may hurt.", "Your arm *may* hurt.", "typography")]
    [InlineData("This is a short test.", "This is a short test!", "punctuation")]
    public void Typography_is_cosmetic(string find, string replace, string reason)
    {
        var report = Diff(find, replace);
        report.IsMaterial.ShouldBeFalse();
        report.Changes.ShouldHaveSingleItem().Reason.ShouldBe(reason);
    }

    [Fact]
    public void A_spelling_fix_is_cosmetic_and_marked_as_such()
    {
        var (kind, reason) = WorkflowDiff.ClassifyText("You may feel pressure and dizzyness.", "You may feel pressure and dizziness.");
        kind.ShouldBe(ChangeKind.Cosmetic);
        reason.ShouldBe("spelling: dizzyness→dizziness");
    }

    [Theory]
    [InlineData("This is not a cure.", "This is now a cure.")]
    [InlineData("About 4 in 100 people.", "About 40 in 100 people.")]
    [InlineData("It may cause bleeding.", "It may cause breathing.")]
    [InlineData("You can stop at any time.", "You cannot stop at any time.")]
    [InlineData("It may increase the risk.", "It may decrease the risk.")]
    [InlineData("Surgery is possible.", "Surgery is impossible.")]
    [InlineData("The drug is effective.", "The drug is ineffective.")]
    [InlineData("Tell us about hypertension.", "Tell us about hypotension.")]
    [InlineData("You may have a fever.", "You may have a fewer.")]
    [InlineData("It lasts two months.", "It lasts two mouths.")]
    [InlineData("It lasts two months.", "It lasts three months.")]
    [InlineData("Dura cuatro horas.", "Dura cuarto horas.")]
    [InlineData("No es una cura.", "Lo es una cura.")]
    [InlineData("Un año de seguimiento.", "Un ano de seguimiento.")]
    [InlineData("It may cause headache.", "It may cause a headache.")]
    public void Small_edits_that_change_meaning_are_material(string before, string after) =>
        WorkflowDiff.ClassifyText(before, after).Kind.ShouldBe(ChangeKind.Material);

    [Fact]
    public void Administrative_settings_are_not_material() =>
        Diff("  validity: P30D", "  validity: P30D\n  reminderAfter: PT3H").IsMaterial.ShouldBeFalse();

    [Theory]
    [InlineData("Una decision facil.", "Una decisión fácil.")]
    [InlineData("Ask about the recomendation.", "Ask about the recommendation.")]
    [InlineData("The anesthesia wears off.", "The anaesthesia wears off.")]
    [InlineData("Tell us about any allergeis.", "Tell us about any allergies.")]
    public void Spelling_fixes_are_cosmetic(string before, string after) =>
        WorkflowDiff.ClassifyText(before, after).Kind.ShouldBe(ChangeKind.Cosmetic);

    [Theory]
    [InlineData("It is \"safe\" - mostly.", "It is “safe” — mostly.")]
    [InlineData("Your Arm May Hurt.", "your arm may hurt.")]
    [InlineData("Your arm\nmay hurt.", "Your arm may hurt.")]
    [InlineData("Your arm **may** hurt.", "Your arm _may_ hurt.")]
    [InlineData("It doesn't hurt.", "It doesn’t hurt.")]
    public void Quote_style_case_line_breaks_and_emphasis_are_cosmetic(string before, string after) =>
        WorkflowDiff.ClassifyText(before, after).Kind.ShouldBe(ChangeKind.Cosmetic);

    [Fact]
    public void A_material_change_quotes_the_changed_words() =>
        WorkflowDiff.ClassifyText("Your arm may hurt for a day.", "Your arm may hurt a lot for a day.").Reason.ShouldBe("wording changed: \"\" → \"a lot\"");

    [Theory]
    [InlineData("    correct: right\n", "    correct: wrong\n", "quiz", "correct")]
    [InlineData("anyOf: [a] }", "anyOf: [a, b] }", "risk-a", "when")]
    [InlineData("signerRoles: [patient]", "signerRoles: [patient, representative]", "signature", "signerRoles")]
    [InlineData("elements: [key_information]", "elements: [key_information, key_information]", "intro", "elements")]
    [InlineData("  - id: photos\n", "  - id: photos\n    next: signature\n", "photos", "next")]
    [InlineData("  countersign: false", "  countersign: false\n  reaffirmation: PT12H", "settings", "reaffirmation")]
    public void Changes_to_answers_routes_signers_and_timing_are_material(string find, string replace, string section, string field)
    {
        var change = Diff(find, replace).Changes.ShouldHaveSingleItem();
        (change.StepId, change.Field, change.Kind).ShouldBe((section, field, ChangeKind.Material));
    }

    [Fact]
    public void Each_changed_text_names_its_step_field_and_locale()
    {
        var change = Diff("es: Le puede doler el brazo.", "es: Le puede doler mucho el brazo.").Changes.ShouldHaveSingleItem();
        change.ShouldBe(new SectionChange("risk-a", "body", "es", ChangeKind.Material, "wording changed: \"\" → \"mucho\""));
    }

    [Fact]
    public void Reordered_steps_are_material()
    {
        const string photos = "  - id: photos\n    type: provision\n    title: { en: Photos, es: Fotos }\n    body: { en: May we take photos?, es: ¿Podemos tomar fotos? }\n";
        Diff(photos, "").Changes.ShouldHaveSingleItem().Field.ShouldBe("step");
        var moved = WorkflowDiff.Compare(Load(Minimal.Yaml), Load(Minimal.With(photos, "").Replace("  - id: quiz\n", photos + "  - id: quiz\n", StringComparison.Ordinal)));
        moved.Changes.ShouldHaveSingleItem().Field.ShouldBe("steps");
        moved.IsMaterial.ShouldBeTrue();
    }

    [Fact]
    public void A_removed_locale_is_material_and_an_added_one_is_not()
    {
        var both = Load(Minimal.Yaml);
        var english = Load(Minimal.With("locales: [en, es]", "locales: [en]"));
        WorkflowDiff.Compare(both, english).IsMaterial.ShouldBeTrue();
        WorkflowDiff.Compare(english, both).IsMaterial.ShouldBeFalse();
    }

    [Fact]
    public void Material_sections_are_listed_once_each()
    {
        var two = WorkflowDiff.Compare(Load(Minimal.Yaml), Load(Minimal.With("Your arm may hurt.", "Your leg may hurt.").Replace("Le puede doler el brazo.", "Le puede doler la pierna.", StringComparison.Ordinal).Replace("I agree.", "I agree to all.", StringComparison.Ordinal)));
        two.MaterialSections.ShouldBe(["risk-a", "signature"]);
    }
}
