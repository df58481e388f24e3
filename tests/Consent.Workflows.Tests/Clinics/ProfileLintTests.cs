using Consent.Workflows.Clinics;
using Consent.Workflows.Linting;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Clinics;

/// <summary>A clinic's values are read as part of the consent: they meet the claim rules and the readability limits per locale.</summary>
public sealed class ProfileLintTests
{
    private static readonly string DemoYaml = File.ReadAllText(Path.Combine(Shipped.RepoRoot, "clinics", "demo.yaml"));

    private static ClinicProfile Demo(string find = "", string replace = "")
    {
        if (find.Length > 0) DemoYaml.ShouldContain(find);
        var loaded = ClinicProfile.Parse(find.Length == 0 ? DemoYaml : DemoYaml.Replace(find, replace, StringComparison.Ordinal), "demo");
        loaded.Problems.ShouldBeEmpty();
        return loaded.Profile!;
    }

    [Theory]
    [InlineData("stem-cell-ms")]
    [InlineData("lumbar-puncture")]
    public void The_demo_profiles_values_lint_clean_in_every_workflow_that_shows_them(string id)
    {
        var findings = ProfileLint.Check(Shipped.All.Find(id, 2)!, Demo(), Shipped.Rules);
        findings.ShouldBeEmpty(string.Join(" | ", findings));
    }

    public static TheoryData<string, string, string, string> BrokenValues() => new()
    {
        { "this clinic gives the treatment inside a registered research study.", "we give FDA-approved stem cells.", "claim-fda-approved", "clinic.regulatory.status" },
        { "this clinic gives the treatment inside a registered research study.", "our lab is \u201Cregistered\u201D with the FDA.", "claim-fda-approved", "clinic.regulatory.status" },
        { "esta clínica da el tratamiento dentro de un estudio registrado", "damos células madre aprobadas por la FDA", "claim-fda-approved", "clinic.regulatory.status" },
        { "we use your own cells.", "our cells repair the myelin.", "claim-myelin-repair", "clinic.cells.source" },
        { "if you are hurt, we treat you here and we pay for that care.", "complications are impossible because the treatment has no side effects.", "claim-no-side-effects", "clinic.injury.care" },
        // One dense sentence, in each locale.
        { "if you are hurt, we treat you here and we pay for that care.", "iatrogenic sequelae necessitate institutional remediation, administered contemporaneously without supplementary remuneration.", "hard-sentence", "clinic.injury.care" },
        { "si sufre un daño, le tratamos aquí y pagamos esa atención.", "las complicaciones iatrogénicas consecuentemente requieren intervenciones institucionales extraordinariamente especializadas.", "hard-sentence", "clinic.injury.care" },
    };

    [Theory]
    [MemberData(nameof(BrokenValues))]
    public void A_misleading_or_unreadable_value_is_an_error_naming_the_placeholder(string find, string replace, string code, string path)
    {
        var report = WorkflowLinter.Lint(Shipped.StemCellMsV2, Shipped.Rules, Demo(find, replace));
        report.Valid.ShouldBeFalse();
        report.Errors.ShouldContain(f => f.Code == code && f.Path == path && f.Message.StartsWith("clinic 'demo' value", StringComparison.Ordinal), string.Join(" | ", report.Findings));
        // The template alone is still clean: only the clinic's words are at fault.
        WorkflowLinter.Lint(Shipped.StemCellMsV2, Shipped.Rules).Findings.ShouldBeEmpty();
    }

    [Fact]
    public void A_value_no_workflow_text_shows_is_not_linted_for_that_workflow()
    {
        // lumbar-puncture v2 shows no costs; a claim there is the stem-cell workflow's problem, not this one's.
        Shipped.LumbarPunctureV2.ShouldNotBeNull();
        Placeholders.UsedBy(Shipped.LumbarPunctureV2).ShouldNotContain("costs.treatment");
        var profile = Demo("Example only: one treatment costs 1,000 example dollars.", "Example only: a miracle cure for 1,000 example dollars.");
        ProfileLint.Check(Shipped.LumbarPunctureV2, profile, Shipped.Rules).ShouldBeEmpty();
        ProfileLint.Check(Shipped.StemCellMsV2, profile, Shipped.Rules).ShouldContain(f => f.Path == "clinic.costs.treatment" && f.Code.StartsWith("claim-", StringComparison.Ordinal));
    }
}
