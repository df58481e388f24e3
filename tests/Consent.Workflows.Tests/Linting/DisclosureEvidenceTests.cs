using Consent.Workflows.Linting;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Linting;

/// <summary>Elements are checked by what the text shows, not by the tags a step carries.</summary>
public sealed class DisclosureEvidenceTests
{
    private static LintReport Lint(string yaml) => WorkflowLinter.LintYaml(yaml, "test.yaml", Shipped.Rules);

    private static List<(string Code, string Path, string Message)> Errors(string yaml) =>
        [.. Lint(yaml).Errors.Select(f => (f.Code, f.Path, f.Message))];

    [Fact]
    public void A_step_tagged_risks_with_no_harm_in_it_is_an_error_in_each_locale()
    {
        var yaml = Minimal.With("    body: { en: Your arm may hurt., es: Le puede doler el brazo. }", "    elements: [risks]\n    body: { en: Please read this part with care., es: Lea esta parte con cuidado. }");
        var errors = Errors(yaml).Where(e => e.Code == "no-evidence").ToList();
        errors.Count.ShouldBe(2);
        errors.ShouldAllBe(e => e.Path == "steps[3].elements" && e.Message.Contains("'risks'"));
        errors.Select(e => e.Message[..3]).ShouldBe(["en:", "es:"], ignoreOrder: true);
    }

    [Fact]
    public void Evidence_missing_in_one_locale_only_is_an_error_for_that_locale()
    {
        var yaml = Minimal.With("Sus datos son privados.", "Sus datos están bien.");
        var error = Errors(yaml).ShouldHaveSingleItem();
        error.Code.ShouldBe("no-evidence");
        error.Message.ShouldStartWith("es:");
        error.Message.ShouldContain("'confidentiality'");
    }

    [Fact]
    public void A_procedure_consent_without_a_risk_step_is_an_error_even_when_risks_are_tagged_elsewhere() =>
        Errors(Minimal.With("  - id: risk-a\n    type: risk\n", "  - id: risk-a\n    type: explain\n")).ShouldContain(e => e.Code == "no-risk-step");

    [Theory]
    [InlineData("A rare risk is a serious infection.", "It has real risks. Some are serious.")]
    [InlineData("A rare risk is a serious infection.", "There are risks, and you should read them.")]
    public void Key_information_that_names_no_specific_serious_risk_is_an_error(string find, string replace) =>
        Errors(Minimal.With(find, replace)).ShouldContain(e => e.Code == "key-information-without-serious-risk" && e.Path == "steps[0].body" && e.Message.StartsWith("en:"));

    [Fact]
    public void Key_information_naming_death_from_a_blood_clot_passes() =>
        Errors(Minimal.With("A rare risk is a serious infection.", "A blood clot can kill.")).ShouldBeEmpty();

    [Fact]
    public void A_workflow_must_declare_its_kind_and_the_additional_elements_that_apply() =>
        Errors(Minimal.With("disclosure:\n  kind: standard\n", "")).ShouldContain(e => e.Code == "no-disclosure-declaration");

    [Fact]
    public void A_declared_additional_element_must_be_disclosed()
    {
        var errors = Errors(Minimal.With("  kind: standard\n", "  kind: standard\n  additionalElements: [new_findings]\n"));
        errors.ShouldContain(e => e.Code == "missing-element" && e.Message.Contains("new_findings"));
    }

    [Fact]
    public void A_declared_additional_element_shown_in_its_step_passes()
    {
        var yaml = Minimal.With("  kind: standard\n", "  kind: standard\n  additionalElements: [new_findings]\n")
            .Replace(" withdrawal, costs]", " withdrawal, costs, new_findings]", StringComparison.Ordinal)
            .Replace("    The test costs you nothing.\n", "    The test costs you nothing. We will tell you about anything new we learn.\n", StringComparison.Ordinal)
            .Replace("    La prueba no le cuesta nada.\n", "    La prueba no le cuesta nada. Le diremos todo lo nuevo que sepamos.\n", StringComparison.Ordinal);
        Errors(yaml).ShouldBeEmpty();
    }

    [Fact]
    public void An_unknown_additional_element_is_an_error() =>
        Errors(Minimal.With("  kind: standard\n", "  kind: standard\n  additionalElements: [free_lunch]\n"))
            .ShouldContain(e => e.Code == "unknown-element" && e.Path == "disclosure.additionalElements[0]");

    [Fact]
    public void A_statement_may_not_assert_costs_that_only_one_route_showed()
    {
        var yaml = Minimal.With(" withdrawal, costs]", " withdrawal]")
            .Replace("The test costs you nothing.", "It is done in our office.", StringComparison.Ordinal)
            .Replace("La prueba no le cuesta nada.", "Se hace en nuestra consulta.", StringComparison.Ordinal)
            .Replace("    body: { en: Your arm may hurt., es: Le puede doler el brazo. }", "    elements: [risks, costs]\n    body: { en: Your arm may hurt. It costs nothing., es: Le puede doler el brazo. No cuesta nada. }", StringComparison.Ordinal)
            .Replace("statement: { en: I agree., es: Estoy de acuerdo. }", "statement: { en: I know the costs. I agree., es: Conozco los costos. Estoy de acuerdo. }", StringComparison.Ordinal);
        var errors = Errors(yaml);
        errors.Where(e => e.Code == "statement-asserts-unshown").Select(e => e.Message[..3]).ShouldBe(["en:", "es:"], ignoreOrder: true);
        errors.ShouldAllBe(e => e.Code == "statement-asserts-unshown");
    }

    [Fact]
    public void A_statement_asserting_what_every_path_showed_passes() =>
        Errors(Minimal.With("statement: { en: I agree., es: Estoy de acuerdo. }", "statement: { en: I know the costs and the risks. I agree., es: Conozco los costos y los riesgos. Estoy de acuerdo. }")).ShouldBeEmpty();

    [Fact]
    public void Injury_care_needs_both_the_care_and_who_pays() =>
        Errors(Minimal.With("If you are hurt by the test, we give you care and pay for it.", "If you are hurt by the test, ask us what to do."))
            .ShouldContain(e => e.Code == "no-evidence" && e.Message.Contains("'injury_compensation'"));

    [Fact]
    public void Contacts_need_a_name_or_number_not_a_vague_pointer() =>
        Errors(Minimal.With("Call us at {clinic.contacts.main} with questions.", "Call the number on your copy with questions."))
            .ShouldContain(e => e.Code == "no-evidence" && e.Message.Contains("'contacts'"));
}
