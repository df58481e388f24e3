using Consent.Workflows.Definitions;
using Consent.Workflows.Linting;
using Consent.Workflows.Loading;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Linting;

public sealed class WorkflowLinterTests
{
    // Inserted into a YAML flow mapping, where a comma would otherwise end the text.
    private static string Quoted(string text) => $"\"{text}\"";

    private static LintReport Lint(string yaml) => WorkflowLinter.LintYaml(yaml, "test.yaml", Shipped.Rules);

    private static void ShouldFail(string yaml, string code, string? pathPart = null)
    {
        var report = Lint(yaml);
        var errors = report.Errors.ToList();
        errors.ShouldContain(f => f.Code == code && (pathPart == null || f.Path.Contains(pathPart)), $"expected {code}; got: {string.Join(" | ", report.Findings)}");
        report.Valid.ShouldBeFalse();
        errors.First(f => f.Code == code).Line.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void The_minimal_definition_lints_clean() => Lint(Minimal.Yaml).Findings.ShouldBeEmpty();

    [Fact]
    public void Shipped_workflows_load()
    {
        Shipped.All.Errors.ShouldBeEmpty(string.Join(" | ", Shipped.All.Errors));
        Shipped.All.All.Select(d => $"{d.Id} v{d.Version}").ShouldBe(["lumbar-puncture v1", "lumbar-puncture v2", "stem-cell-ms v1", "stem-cell-ms v2"], ignoreOrder: true);
    }

    [Fact]
    public void Published_v1_of_stem_cell_ms_fails_the_evidence_rules_for_the_defects_review_found()
    {
        var codes = WorkflowLinter.Lint(Shipped.StemCellMs, Shipped.Rules).Errors.Select(f => (f.Code, f.Path)).ToList();
        codes.ShouldContain(("no-disclosure-declaration", "disclosure"));
        // "It has real risks. Some are serious." names none of them.
        codes.ShouldContain(("key-information-without-serious-risk", "steps[0].body"));
        // "Call the care team at the number on your copy" names no one; "ask us in writing" is not the care given after an injury.
        codes.ShouldContain(("no-evidence", "steps[29].elements"));
    }

    [Fact]
    public void An_unreachable_step_is_an_error() =>
        ShouldFail(Minimal.With("  - id: risk-a\n", "  - id: risk-a\n    next: quiz\n").Replace("  - id: quiz\n", "  - id: lost\n    type: explain\n    title: { en: Lost, es: Perdido }\n    body: { en: Nobody reads this., es: Nadie lee esto. }\n  - id: quiz\n", StringComparison.Ordinal)
            .Replace("  - id: route\n    type: choice\n", "  - id: route\n    type: choice\n    next: quiz\n", StringComparison.Ordinal), "unreachable-step", "steps[4]");

    [Fact]
    public void A_branch_to_an_unknown_step_is_an_error() =>
        ShouldFail(Minimal.With("      - id: b\n        label:", "      - id: b\n        next: nowhere\n        label:"), "unknown-step", "options[1].next");

    [Fact]
    public void A_loop_with_no_exit_is_an_error() =>
        ShouldFail(Minimal.With("  - id: photos\n    type: provision\n", "  - id: photos\n    type: provision\n    next: intro\n"), "loop-without-exit");

    [Fact]
    public void A_loop_that_can_leave_through_a_choice_is_allowed()
    {
        var yaml = Minimal.With("      - id: a\n        label:", "      - id: a\n        next: intro\n        label:");
        Lint(yaml).Errors.ShouldNotContain(f => f.Code == "loop-without-exit");
    }

    [Theory]
    [InlineData("  - id: photos\n", "  - id: photos\n    next: nowhere\n", "steps[5].next")]
    [InlineData("when: { step: route,", "when: { step: nowhere,", "steps[3].when.step")]
    [InlineData("    explanation: intro\n", "    explanation: nowhere\n", "steps[4].explanation")]
    public void A_next_when_or_explanation_naming_an_unknown_step_is_an_error(string find, string replace, string path) =>
        ShouldFail(Minimal.With(find, replace), "unknown-step", path);

    [Fact]
    public void When_naming_an_option_the_choice_does_not_have_is_an_error() =>
        ShouldFail(Minimal.With("anyOf: [a] }", "anyOf: [c] }"), "unknown-option", "steps[3].when.anyOf");

    [Fact]
    public void When_on_a_choice_that_comes_later_is_an_error()
    {
        var yaml = Minimal.With("    title: { en: About the test, es: Sobre la prueba }\n", "    when: { step: route, anyOf: [a] }\n    title: { en: About the test, es: Sobre la prueba }\n");
        ShouldFail(yaml, "when-not-earlier", "steps[0].when.step");
    }

    [Fact]
    public void A_workflow_without_a_decision_is_an_error() =>
        ShouldFail(Minimal.With("    type: decision\n", "    type: explain\n"), "no-decision");

    [Fact]
    public void A_workflow_without_a_signature_is_an_error() =>
        ShouldFail(Minimal.With("    type: signature\n    signerRoles: [patient]\n", "    type: explain\n    body: { en: Thanks., es: Gracias. }\n")
            .Replace("    statement: { en: I agree., es: Estoy de acuerdo. }", "", StringComparison.Ordinal), "no-signature");

    [Fact]
    public void A_signature_reachable_before_the_decision_is_an_error() =>
        ShouldFail(Minimal.With("  - id: photos\n    type: provision\n", "  - id: photos\n    type: provision\n    next: signature\n"), "signature-before-decision");

    [Fact]
    public void Quiz_without_its_explanation_is_an_error() =>
        ShouldFail(Minimal.With("    explanation: intro\n", ""), "quiz-without-explanation");

    [Fact]
    public void A_quiz_whose_explanation_is_not_an_explain_step_is_an_error() =>
        ShouldFail(Minimal.With("    explanation: intro\n", "    explanation: photos\n"), "quiz-without-explanation");

    [Fact]
    public void A_quiz_whose_correct_answer_is_not_an_option_is_an_error() =>
        ShouldFail(Minimal.With("    correct: right\n", "    correct: maybe\n"), "quiz-without-answer");

    [Fact]
    public void Duplicated_step_ids_are_an_error() =>
        ShouldFail(Minimal.With("  - id: photos\n", "  - id: quiz\n"), "duplicate-id");

    [Fact]
    public void Duplicated_option_ids_are_an_error() =>
        ShouldFail(Minimal.With("      - id: b\n        label:", "      - id: a\n        label:"), "duplicate-id");

    [Fact]
    public void A_text_missing_a_locale_is_an_error_naming_the_field() =>
        ShouldFail(Minimal.With("body: { en: Your arm may hurt., es: Le puede doler el brazo. }", "body: { en: Your arm may hurt. }"), "missing-locale", "steps[3].body");

    [Fact]
    public void Cooling_off_longer_than_validity_is_an_error() =>
        ShouldFail(Minimal.With("coolingOff: PT1H", "coolingOff: P31D"), "cooling-off-exceeds-validity", "settings.coolingOff");

    [Fact]
    public void A_required_witness_without_a_witness_signature_is_an_error() =>
        ShouldFail(Minimal.With("  countersign: false\n", "  countersign: false\n  witness: true\n"), "witness-without-signature");

    [Fact]
    public void A_text_in_a_locale_the_workflow_does_not_list_is_an_error() =>
        ShouldFail(Minimal.With("body: { en: Your arm may hurt.,", "body: { fr: Le bras peut faire mal., en: Your arm may hurt.,"), "unknown-locale", "steps[3].body");

    [Fact]
    public void A_zero_validity_is_an_error() =>
        ShouldFail(Minimal.With("  validity: P30D", "  validity: PT0S"), "no-validity", "settings.validity");

    [Fact]
    public void Accepting_a_version_that_is_not_earlier_is_an_error() =>
        ShouldFail(Minimal.With("  validity: P30D", "  validity: P30D\n  acceptedEarlierVersions: [1]"), "accepted-version-not-earlier");

    [Fact]
    public void A_signature_without_signer_roles_is_an_error() =>
        ShouldFail(Minimal.With("signerRoles: [patient]", "signerRoles: []"), "signature-without-signer", "steps[7]");

    [Fact]
    public void A_witness_signature_satisfies_the_witness_setting()
    {
        var yaml = Minimal.With("  countersign: false\n", "  countersign: false\n  witness: true\n")
            + "\n  - id: witness\n    type: signature\n    signerRoles: [witness]\n    title: { en: Witness, es: Testigo }\n    statement: { en: I saw them sign., es: Vi la firma. }\n";
        Lint(yaml).Findings.ShouldBeEmpty();
    }

    [Fact]
    public void A_missing_disclosure_element_is_an_error_naming_it()
    {
        var yaml = Minimal.With(" injury_compensation,", "");
        ShouldFail(yaml, "missing-element");
        Lint(yaml).Errors.Single(f => f.Code == "missing-element").Message.ShouldContain("injury_compensation");
    }

    [Fact]
    public void An_unknown_disclosure_element_is_an_error() =>
        ShouldFail(Minimal.With("elements: [key_information]", "elements: [key_information, magic]"), "unknown-element");

    [Fact]
    public void Key_information_must_come_first() =>
        ShouldFail(Minimal.With("elements: [key_information]", "elements: [purpose]")
            .Replace("    title: { en: Pick one, es: Elija una }\n", "    elements: [key_information]\n    title: { en: Pick one, es: Elija una }\n", StringComparison.Ordinal), "key-information-not-first");

    [Fact]
    public void When_on_a_step_that_is_not_a_choice_is_an_error() =>
        ShouldFail(Minimal.With("when: { step: route, anyOf: [a] }", "when: { step: intro, anyOf: [a] }"), "when-not-choice");

    [Fact]
    public void A_choice_with_one_option_is_an_error() =>
        ShouldFail(Minimal.With("      - id: b\n        label: { en: Way B, es: Forma B }\n", ""), "too-few-options");

    [Theory]
    [InlineData("This will cure your MS.", "claim-cure")]
    [InlineData("Results are guaranteed.", "claim-guaranteed")]
    [InlineData("There are no side effects.", "claim-no-side-effects")]
    [InlineData("Our lab is FDA registered.", "claim-fda-approved")]
    [InlineData("The cells are approved by the FDA.", "claim-fda-approved")]
    [InlineData("It is 100% safe.", "claim-completely-safe")]
    [InlineData("It is a proven treatment.", "claim-proven")]
    [InlineData("People call it a miracle.", "claim-miracle")]
    [InlineData("The procedure is risk-free.", "claim-risk-free")]
    public void Misleading_claims_in_english_are_errors(string sentence, string code) =>
        ShouldFail(Minimal.With("This is a short test. It is safe to read.", Quoted(sentence)), code, "steps[0].body");

    [Theory]
    [InlineData("Esto va a curar su EM.", "claim-cure")]
    [InlineData("El resultado está garantizado.", "claim-guaranteed")]
    [InlineData("Es un tratamiento sin efectos secundarios.", "claim-no-side-effects")]
    [InlineData("Las células están aprobadas por la FDA.", "claim-fda-approved")]
    [InlineData("Es 100% seguro.", "claim-completely-safe")]
    [InlineData("Es un tratamiento comprobado.", "claim-proven")]
    [InlineData("Es un milagro.", "claim-miracle")]
    public void Misleading_claims_in_spanish_are_errors(string sentence, string code) =>
        ShouldFail(Minimal.With("Esta es una prueba corta. Se puede leer.", Quoted(sentence)), code, "steps[0].body");

    [Theory]
    [InlineData("This is not a cure.")]
    [InlineData("It has not been proven to help.")]
    [InlineData("It is not approved by the US Food and Drug Administration (FDA).")]
    [InlineData("There is no cure for multiple sclerosis.")]
    [InlineData("Nothing here is guaranteed, and it isn't proven.")]
    public void Negated_claims_are_allowed(string sentence) =>
        Lint(Minimal.With("This is a short test. It is safe to read.", Quoted(sentence))).Errors.ShouldBeEmpty();

    [Theory]
    [InlineData("No es una cura.")]
    [InlineData("No está aprobado por la Administración de Alimentos y Medicamentos (FDA).")]
    [InlineData("No se ha comprobado que ayude.")]
    public void Negated_spanish_claims_are_allowed(string sentence) =>
        Lint(Minimal.With("Esta es una prueba corta. Se puede leer.", Quoted(sentence))).Errors.ShouldBeEmpty();

    [Fact]
    public void A_claim_that_is_true_and_sourced_may_be_allowed_for_one_step()
    {
        var yaml = Minimal.With("This is a short test. It is safe to read.", "The drug is approved by the US Food and Drug Administration (FDA) for this use.")
            .Replace("Esta es una prueba corta. Se puede leer.", "El medicamento está aprobado por la Administración de Alimentos y Medicamentos (FDA) para este uso.", StringComparison.Ordinal)
            .Replace("    title: { en: About the test, es: Sobre la prueba }\n", "    title: { en: About the test, es: Sobre la prueba }\n    claimsAllowed: [{ rule: fda-approved, source: \"FDA label, 2024\" }]\n", StringComparison.Ordinal);
        Lint(yaml).Errors.ShouldBeEmpty();
    }

    [Fact]
    public void Allowing_a_claim_rule_that_does_not_exist_is_an_error() =>
        ShouldFail(Minimal.With("    title: { en: About the test, es: Sobre la prueba }\n", "    title: { en: About the test, es: Sobre la prueba }\n    claimsAllowed: [{ rule: fda-aproved, source: \"FDA label, 2024\" }]\n"),
            "unknown-claim-rule", "steps[0].claimsAllowed[0].rule");

    [Fact]
    public void An_allowance_covers_only_its_own_rule()
    {
        var yaml = Minimal.With("This is a short test. It is safe to read.", "The drug is approved by the US Food and Drug Administration (FDA) and a cure.")
            .Replace("    title: { en: About the test, es: Sobre la prueba }\n", "    title: { en: About the test, es: Sobre la prueba }\n    claimsAllowed: [{ rule: fda-approved, source: \"FDA label, 2024\" }]\n", StringComparison.Ordinal);
        Lint(yaml).Errors.Select(f => f.Code).ShouldBe(["claim-cure"]);
    }

    [Fact]
    public void A_claim_in_an_option_label_names_the_option_and_its_line()
    {
        var yaml = Minimal.With("label: { en: Way B,", "label: { en: The guaranteed way,");
        ShouldFail(yaml, "claim-guaranteed", "steps[2].options[1].label");
        Lint(yaml).Errors.Single().Line.ShouldBe(yaml.Split('\n').ToList().FindIndex(l => l.Contains("- id: b", StringComparison.Ordinal)) + 1);
    }

    [Theory]
    [InlineData("Es un tratamiento probado.", "claim-proven")]
    [InlineData("Es un tratamiento sin riesgos.", "claim-risk-free")]
    [InlineData("Está registrado ante la FDA.", "claim-fda-approved")]
    public void More_spanish_claims_are_errors(string sentence, string code) =>
        ShouldFail(Minimal.With("Esta es una prueba corta. Se puede leer.", Quoted(sentence)), code, "steps[0].body");

    [Theory]
    [InlineData("Se ha probado en 144 pacientes.")]
    [InlineData("Nadie le puede decir que funcionará, y no está probado.")]
    [InlineData("La palabra procurar no es una afirmación.")]
    public void Ordinary_spanish_wording_is_not_a_claim(string sentence) =>
        Lint(Minimal.With("Esta es una prueba corta. Se puede leer.", Quoted(sentence))).Errors.ShouldBeEmpty();

    [Theory]
    [InlineData("It is safe and secure, and your data stays private.")]
    [InlineData("The results are accurate in most people.")]
    public void Words_that_only_contain_a_claim_are_not_claims(string sentence) =>
        Lint(Minimal.With("This is a short test. It is safe to read.", Quoted(sentence))).Errors.ShouldBeEmpty();

    [Fact]
    public void A_section_between_grade_8_and_10_is_a_warning_naming_its_hardest_sentence()
    {
        const string medium = "Your doctor will examine the fluid to understand what is causing your symptoms. The laboratory usually reports results within a few days. Your doctor will discuss the results and explain the possible treatment options.";
        var grade = Readability.FleschKincaidGrade(medium).Value;
        grade.ShouldBeInRange(8, 10);
        var report = Lint(Minimal.With("Is this a test?", Quoted(medium)));
        report.Valid.ShouldBeTrue();
        var warning = report.Findings.ShouldHaveSingleItem();
        warning.Severity.ShouldBe(LintSeverity.Warning);
        warning.Code.ShouldBe("readability-target");
        warning.Message.ShouldContain("hardest: \"The laboratory usually reports results within a few days.\"");
    }

    [Fact]
    public void A_short_section_is_not_scored_as_a_section_but_its_jargon_sentence_is_an_error() =>
        Lint(Minimal.With("Your arm may hurt.", "Your arm may hurt. Neuroinflammatory oligodendrocyte characterization requires immunohistochemical quantification.")).Errors
            .Select(f => (f.Code, f.Path)).ShouldBe([("hard-sentence", "steps[3].body")]);

    [Fact]
    public void One_dense_sentence_inside_an_otherwise_plain_section_is_an_error_naming_it()
    {
        const string plain = "Your arm may hurt. It may turn red for a day. It may swell a bit. Put ice on it. Call us if it gets worse. Most people feel fine the next day. Intrathecal immunomodulatory administration necessitates neurological evaluation.";
        Readability.FleschKincaidGrade(plain).Value.ShouldBeLessThan(MaxSectionGrade);
        var report = Lint(Minimal.With("Your arm may hurt.", Quoted(plain)));
        report.Errors.ShouldContain(f => f.Code == "hard-sentence" && f.Message.Contains("Intrathecal immunomodulatory administration"));
    }

    private const double MaxSectionGrade = WorkflowLinter.MaxGrade;

    [Fact]
    public void A_dense_spanish_sentence_is_an_error_by_fernandez_huerta_below_40() =>
        Lint(Minimal.With("Le puede doler el brazo.", "Le puede doler el brazo. La administración intratecal necesita evaluación neurológica exhaustiva."))
            .Errors.ShouldContain(f => f.Code == "hard-sentence" && f.Message.StartsWith("es:") && f.Path == "steps[3].body");

    [Theory]
    [InlineData("This is a short test. It is safe to read.", "The FDA has not approved it.", "FDA")]
    [InlineData("This is a short test. It is safe to read.", "It is given by an intrathecal injection.", "intrathecal")]
    [InlineData("This is a short test. It is safe to read.", "Another choice is aHSCT at a special center.", "aHSCT")]
    public void A_term_of_art_or_acronym_not_explained_at_first_use_is_an_error(string find, string replace, string term) =>
        Lint(Minimal.With(find, replace)).Errors.ShouldContain(f => f.Code == "unexplained-term" && f.Message.StartsWith($"en: '{term}'"));

    [Theory]
    [InlineData("The US Food and Drug Administration (FDA) has not approved it. The FDA warns about clinics.")]
    [InlineData("It is given by an intrathecal injection, which is a shot into the spine.")]
    public void A_term_explained_at_first_use_may_be_used_plainly_after(string text) =>
        Lint(Minimal.With("This is a short test. It is safe to read.", text)).Errors.ShouldNotContain(f => f.Code == "unexplained-term" && f.Message.StartsWith("en:"));

    [Fact]
    public void Each_locale_must_explain_the_term_itself() =>
        Lint(Minimal.With("This is a short test. It is safe to read.", "The US Food and Drug Administration (FDA) has not approved it.")
                .Replace("Esta es una prueba corta. Se puede leer.", "La FDA no lo ha aprobado.", StringComparison.Ordinal))
            .Errors.Where(f => f.Code == "unexplained-term").Select(f => f.Message[..9]).ShouldBe(["es: 'FDA'"]);

    [Fact]
    public void Text_that_is_not_patient_facing_is_not_scored()
    {
        const string hard = "Intrathecal administration of autologous mesenchymal stromal cells necessitates comprehensive neurological evaluation. Neuroinflammatory consequences remain incompletely characterized, particularly regarding oligodendrocyte regeneration. Hematological complications, including thromboembolism, have occasionally materialized.";
        var yaml = Minimal.With("This is a short test. It is safe to read.", Quoted(hard)).Replace("    type: explain\n", "    type: explain\n    patientFacing: false\n", StringComparison.Ordinal);
        Lint(yaml).Findings.ShouldBeEmpty();
    }

    [Fact]
    public void A_locale_without_a_readability_measure_is_noted_as_info()
    {
        var d = WorkflowLoader.Parse(Minimal.Yaml, "x.yaml").Definition!;
        var intro = d.Steps[0] with { Body = new LocalizedText(d.Steps[0].Body.ByLocale.Add("fr", "Un court test.")) };
        var report = WorkflowLinter.Lint(d with { Locales = ["en", "es", "fr"], Steps = d.Steps.SetItem(0, intro) }, Shipped.Rules);
        report.Findings.ShouldContain(f => f.Severity == LintSeverity.Info && f.Code == "readability-unmeasured" && f.Path == "steps[0].body");
    }

    [Fact]
    public void A_section_above_grade_10_is_an_error_listing_its_hardest_sentences()
    {
        const string hard = "Intrathecal administration of autologous mesenchymal stromal cells necessitates comprehensive neurological evaluation. Neuroinflammatory consequences remain incompletely characterized, particularly regarding oligodendrocyte regeneration. Hematological complications, including thromboembolism, have occasionally materialized.";
        var report = Lint(Minimal.With("This is a short test. It is safe to read.", Quoted(hard)));
        var finding = report.Errors.Single(f => f.Code == "readability");
        finding.Path.ShouldBe("steps[0].body");
        finding.Message.ShouldContain("Intrathecal administration");
    }

    [Fact]
    public void A_hard_spanish_section_is_an_error_by_the_fernandez_huerta_measure()
    {
        const string hard = "La administración intratecal de células estromales mesenquimales autólogas requiere una evaluación neurológica exhaustiva. Las consecuencias inmunomoduladoras permanecen insuficientemente caracterizadas, particularmente respecto a la regeneración oligodendroglial. Las complicaciones hematológicas, incluyendo tromboembolismo, ocasionalmente se materializaron.";
        Lint(Minimal.With("Esta es una prueba corta. Se puede leer.", Quoted(hard))).Errors.ShouldContain(f => f.Code == "readability" && f.Message.StartsWith("es:"));
    }

    [Fact]
    public void A_sentence_over_25_words_is_an_error_even_in_a_short_section() =>
        ShouldFail(Minimal.With("Your arm may hurt.", "Your arm may hurt and it may also swell and turn red and feel warm and sore for a few days after the test is over and done with today."), "long-sentence", "steps[3].body");

    [Fact]
    public void Plain_english_scores_below_grade_8_and_plain_spanish_above_60()
    {
        Readability.FleschKincaidGrade("The cat sat on the mat. It was a sunny day. We went out to play.").Value.ShouldBeLessThan(4);
        Readability.FernandezHuerta("El gato se sentó en la alfombra. Era un día de sol. Salimos a jugar.").Value.ShouldBeGreaterThan(80);
    }

    [Theory]
    [InlineData("cat", 1)]
    [InlineData("table", 2)]
    [InlineData("headache", 2)]
    [InlineData("infection", 3)]
    [InlineData("investigational", 6)]
    public void English_syllables_are_counted_by_rule(string word, int syllables) => Readability.EnglishSyllables(word).ShouldBe(syllables);

    [Theory]
    [InlineData("gato", 2)]
    [InlineData("cuidado", 3)]
    [InlineData("día", 2)]
    [InlineData("poeta", 3)]
    [InlineData("investigación", 5)]
    public void Spanish_syllables_follow_diphthong_and_hiatus_rules(string word, int syllables) => Readability.SpanishSyllables(word).ShouldBe(syllables);

    [Fact]
    public void Yaml_that_does_not_load_becomes_load_findings()
    {
        var report = Lint(Minimal.With("type: risk", "type: danger"));
        report.Findings.ShouldContain(f => f.Code == "load" && f.Path == "steps[3].type" && f.Line > 0);
    }
}
