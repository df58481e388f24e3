using Consent.Workflows.Diffing;
using Consent.Workflows.Linting;
using Consent.Workflows.Loading;
using Consent.Workflows.Runtime;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Linting;

/// <summary>stem-cell-ms v2 and lumbar-puncture v2: clean under the stricter rules, and their broken variants are not.</summary>
public sealed class ShippedV2Tests
{
    private static string V2Yaml(string id) => File.ReadAllText(Path.Combine(Shipped.WorkflowsRoot, id, "v2.yaml"));

    private static List<LintFinding> Lint(string yaml) => [.. WorkflowLinter.LintYaml(yaml, "v2.yaml", Shipped.Rules).Findings];

    [Theory]
    [InlineData("stem-cell-ms")]
    [InlineData("lumbar-puncture")]
    public void The_newest_version_of_each_shipped_workflow_lints_clean(string id)
    {
        var findings = Lint(V2Yaml(id));
        findings.ShouldBeEmpty(string.Join(" | ", findings));
        Shipped.All.Find(id)!.Version.ShouldBe(2);
    }

    public static TheoryData<string, string, string, string> BrokenVariants() => new()
    {
        // Marketing claims, in any typography.
        { "stem-cell-ms", "Three people went blind after eye injections.", "Our lab is \u201Cregistered\u201D with the FDA.", "claim-fda-approved" },
        { "stem-cell-ms", "Three people went blind after eye injections.", "Our lab is FDA\u2011INSPECTED.", "claim-fda-approved" },
        { "stem-cell-ms", "Tres personas quedaron ciegas tras inyecciones en los ojos.", "Las células reparan la mielina.", "claim-myelin-repair" },
        { "stem-cell-ms", "Three people went blind after eye injections.", "There is no question this can cure MS.", "claim-cure" },
        { "lumbar-puncture", "It may not give a clear answer.", "It is the most effective test.", "claim-most-effective" },
        // Missing elements, and tags without evidence.
        { "stem-cell-ms", "elements: [voluntary, withdrawal, withdrawal_consequences, termination, new_findings, participants]", "elements: [voluntary, withdrawal, termination, new_findings, participants]", "missing-element" },
        { "stem-cell-ms", "        If you stop after the cells are given, they cannot be removed from your body.\n", "", "no-evidence" },
        { "lumbar-puncture", "Serious problems can happen. They include meningitis (an infection around the brain and spinal cord) and nerve damage.", "Some problems are serious.", "key-information-without-serious-risk" },
        // No risks.
        { "lumbar-puncture", "    type: risk\n", "    type: explain\n", "no-risk-step" },
        // A jargon sentence.
        { "stem-cell-ms", "A lab grows the cells.", "Autologous mesenchymal stromal cells undergo ex vivo expansion under controlled bioreactor conditions.", "hard-sentence" },
        { "stem-cell-ms", "A lab grows the cells.", "A lab grows the cells for intrathecal use.", "unexplained-term" },
        // Quizzes that trying every option passes.
        { "stem-cell-ms", "  quizAttempts: 2\n", "  quizAttempts: 3\n", "quiz-passes-by-elimination" },
        { "stem-cell-ms", "    checks: [withdraw_keeps_care]\n", "", "missing-understanding-check" },
        // Unknown placeholders.
        { "stem-cell-ms", "{clinic.contacts.urgent}", "{clinic.contacts.hotline}", "unknown-placeholder" },
    };

    [Theory]
    [MemberData(nameof(BrokenVariants))]
    public void A_deliberately_broken_variant_is_refused(string id, string find, string replace, string code)
    {
        var yaml = V2Yaml(id);
        yaml.ShouldContain(find);
        var findings = Lint(yaml.Replace(find, replace, StringComparison.Ordinal));
        findings.ShouldContain(f => f.Code == code && f.Severity == LintSeverity.Error, string.Join(" | ", findings));
    }

    [Theory]
    [InlineData("stem-cell-ms")]
    [InlineData("lumbar-puncture")]
    public void The_change_from_v1_is_material(string id)
    {
        var diff = WorkflowDiff.Compare(Shipped.All.Find(id, 1)!, Shipped.All.Find(id, 2)!);
        diff.IsMaterial.ShouldBeTrue();
        diff.MaterialSections.ShouldContain("key-information");
    }

    [Fact]
    public void Consents_on_v1_follow_the_reconsent_rules_once_v2_is_published()
    {
        var v1 = Shipped.StemCellMs;
        var v2 = Shipped.StemCellMsV2;
        var diff = WorkflowDiff.Compare(v1, v2);
        // v2 does not accept v1 consents, and the change is material: a granted v1 consent must be given again.
        v2.Settings.AcceptedEarlierVersions.ShouldNotContain(1);
        var granted = new Walker(v1).Complete(new Dictionary<string, string> { ["delivery-method"] = "iv" });
        granted.Send(new Countersign(Walker.Clinician, true)).Accepted.ShouldBeTrue();
        granted.State.Status.ShouldBe(ConsentStatus.Granted);
        granted.Send(new Supersede(2, diff.MaterialSections)).Accepted.ShouldBeTrue();
        granted.State.Status.ShouldBe(ConsentStatus.Superseded);
        granted.Events.OfType<ConsentSuperseded>().Single().ChangedSections.ShouldBe(diff.MaterialSections);

        // One still being read stays pinned to the text it started on: v2 cannot answer for it.
        var inFlight = new Walker(v1).Until("delivery-method");
        var wrong = ConsentRuntime.Decide(v2, inFlight.State, new SubmitStep("delivery-method", new ChoiceInput("iv")), Walker.T0);
        wrong.Rejection!.Code.ShouldBe(RejectionCode.WrongDefinition);
    }

    [Fact]
    public void The_service_publishes_only_approved_hashes_and_v2_only_for_the_clinic_whose_packet_was_reviewed()
    {
        Shipped.Published.Errors.ShouldBeEmpty();
        Shipped.Published.Unapproved.ShouldBeEmpty();
        foreach (var id in new[] { "stem-cell-ms", "lumbar-puncture" })
        {
            // Editing v2 without approving its new hash fails here: the demo clinic would fall back to v1.
            Shipped.Published.FindFor("demo", id)?.ContentHash.ShouldBe(Shipped.All.Find(id, 2)!.ContentHash, $"{id} v2 as on disk is not approved for clinic demo (run consent review {id} --clinic demo and record its hash)");
            // v2 needs the clinic's values: a clinic whose packet no one reviewed keeps starting v1.
            Shipped.Published.FindFor("north", id)!.Version.ShouldBe(1);
            Shipped.Published.Find(id)!.Version.ShouldBe(1);
            Shipped.Published.Find(id, 2).ShouldNotBeNull();
        }
    }

    [Fact]
    public void An_approval_for_every_clinic_of_a_version_with_clinic_values_is_a_load_error()
    {
        var root = Directory.CreateTempSubdirectory("workflows-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "lumbar-puncture"));
        File.Copy(Path.Combine(Shipped.WorkflowsRoot, "lumbar-puncture", "v2.yaml"), Path.Combine(root, "lumbar-puncture", "v2.yaml"));
        File.WriteAllText(Path.Combine(root, Approvals.FileName),
            $"approved:\n  - workflow: lumbar-puncture\n    version: 2\n    contentHash: {Shipped.LumbarPunctureV2.ContentHash}\n    approvedBy: someone\n");
        var catalog = WorkflowCatalog.LoadDirectory(root);
        catalog.All.ShouldBeEmpty();
        catalog.Errors.ShouldHaveSingleItem().Message.ShouldContain("approve it per clinic");
    }

    [Fact]
    public void An_approval_names_a_valid_clinic_id()
    {
        var approvals = Approvals.Parse("approved:\n  - workflow: stem-cell-ms\n    version: 2\n    contentHash: sha256:08f3\n    approvedBy: x\n    clinic: de.mo\n", "approvals.yaml");
        approvals.Errors.ShouldHaveSingleItem().Path.ShouldBe("approved[0].clinic");
    }

    [Fact]
    public void A_version_edited_after_approval_is_not_published()
    {
        var root = Directory.CreateTempSubdirectory("workflows-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "lumbar-puncture"));
        var v1 = File.ReadAllText(Path.Combine(Shipped.WorkflowsRoot, "lumbar-puncture", "v1.yaml"));
        File.WriteAllText(Path.Combine(root, "lumbar-puncture", "v1.yaml"), v1.Replace("It is not experimental.", "It is not an experiment.", StringComparison.Ordinal));
        File.Copy(Path.Combine(Shipped.WorkflowsRoot, Approvals.FileName), Path.Combine(root, Approvals.FileName));
        var catalog = WorkflowCatalog.LoadDirectory(root);
        catalog.All.ShouldBeEmpty();
        catalog.Unapproved.Single().Id.ShouldBe("lumbar-puncture");
        WorkflowCatalog.LoadAll(root).All.Count.ShouldBe(1);
    }

    [Fact]
    public void A_malformed_approval_is_a_load_error_not_a_silent_pass()
    {
        var approvals = Approvals.Parse("approved:\n  - workflow: stem-cell-ms\n    version: 2\n    contentHash: 08f3\n", "approvals.yaml");
        approvals.Errors.ShouldHaveSingleItem().Path.ShouldBe("approved[0]");
    }
}
