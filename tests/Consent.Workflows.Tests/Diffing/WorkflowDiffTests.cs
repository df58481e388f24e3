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
    public void Small_edits_that_change_meaning_are_material(string before, string after) =>
        WorkflowDiff.ClassifyText(before, after).Kind.ShouldBe(ChangeKind.Material);

    [Fact]
    public void Administrative_settings_are_not_material() =>
        Diff("  validity: P30D", "  validity: P30D\n  reminderAfter: PT3H").IsMaterial.ShouldBeFalse();
}
