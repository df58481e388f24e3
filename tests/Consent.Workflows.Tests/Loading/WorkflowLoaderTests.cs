using System.Text.Json;
using Consent.Workflows.Definitions;
using Consent.Workflows.Loading;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Loading;

public sealed class WorkflowLoaderTests
{
    private static LoadError SingleError(string yaml)
    {
        var result = WorkflowLoader.Parse(yaml, "workflows/mini/v1.yaml");
        result.Succeeded.ShouldBeFalse();
        return result.Errors.ShouldHaveSingleItem();
    }

    [Fact]
    public void A_valid_definition_loads_with_a_content_hash()
    {
        var result = WorkflowLoader.Parse(Minimal.Yaml, "mini.yaml");

        result.Errors.ShouldBeEmpty();
        result.Definition!.Steps.Length.ShouldBe(8);
        result.Definition.ContentHash.ShouldMatch("^sha256:[0-9a-f]{64}$");
        result.Definition.Settings.CoolingOff.ShouldBe(TimeSpan.FromHours(1));
        result.Definition.Settings.DefaultQuizAttempts.ShouldBe(2);
    }

    [Fact]
    public void Errors_name_the_file_the_line_and_the_field()
    {
        var error = SingleError(Minimal.With("    type: risk", "    type: danger"));

        error.File.ShouldBe("workflows/mini/v1.yaml");
        error.Line.ShouldBe(Minimal.Yaml.Split('\n').ToList().FindIndex(l => l.Contains("type: risk", StringComparison.Ordinal)) + 1);
        error.Path.ShouldBe("steps[3].type");
        error.Message.ShouldContain("danger");
        error.ToString().ShouldStartWith($"workflows/mini/v1.yaml:{error.Line}: steps[3].type:");
    }

    [Fact]
    public void An_unknown_field_is_an_error_so_a_misspelt_setting_is_never_ignored()
    {
        var error = SingleError(Minimal.With("  coolingOff: PT1H", "  coolingOf: PT1H"));
        error.Path.ShouldBe("settings.coolingOf");
        error.Message.ShouldContain("unknown field");
    }

    [Theory]
    [InlineData("  validity: P30D", "  validity: 30 days", "settings.validity")]
    [InlineData("  coolingOff: PT1H", "  coolingOff: -PT1H", "settings.coolingOff")]
    [InlineData("    type: risk", "    type: [risk]", "steps[3].type")]
    [InlineData("title: { en: A short test, es: Una prueba corta }", "title: A short test", "title")]
    [InlineData("  - id: quiz\n", "  - id: quiz\n    maxAttempts: 0\n", "steps[4].maxAttempts")]
    [InlineData("signerRoles: [patient]", "signerRoles: [doctor]", "steps[7].signerRoles[0]")]
    [InlineData("version: 1", "version: one", "version")]
    [InlineData("  countersign: false", "  countersign: maybe", "settings.countersign")]
    [InlineData("  - id: photos", "  - id: Photos!", "steps[5].id")]
    [InlineData("    correct: right\n", "", "steps[4].correct")]
    [InlineData("locales: [en, es]", "locales: [english]", "locales[0]")]
    public void Wrong_values_are_errors_naming_the_field(string find, string replace, string path) =>
        WorkflowLoader.Parse(Minimal.With(find, replace), "x.yaml").Errors.ShouldContain(e => e.Path == path, string.Join(" | ", WorkflowLoader.Parse(Minimal.With(find, replace), "x.yaml").Errors));

    private static int LineOf(string yaml, string text) => yaml.Split('\n').ToList().FindIndex(l => l.Contains(text, StringComparison.Ordinal)) + 1;

    [Fact]
    public void An_error_inside_an_option_names_the_option_by_position()
    {
        var yaml = Minimal.With("      - id: b\n", "      - id: B b\n");
        var error = SingleError(yaml);
        error.Path.ShouldBe("steps[2].options[1].id");
        error.Line.ShouldBe(LineOf(yaml, "id: B b"));
    }

    [Fact]
    public void A_field_of_another_step_type_is_an_error_not_ignored()
    {
        var yaml = Minimal.With("    body: { en: Your arm may hurt.", "    correct: a\n    body: { en: Your arm may hurt.");
        var error = SingleError(yaml);
        error.Path.ShouldBe("steps[3].correct");
        error.Line.ShouldBe(LineOf(yaml, "correct: a"));
        error.Message.ShouldContain("does not apply to steps of type risk");
    }

    [Fact]
    public void A_quiz_option_cannot_branch() =>
        SingleError(Minimal.With("      - id: wrong\n", "      - id: wrong\n        next: intro\n")).Path.ShouldBe("steps[4].options[1].next");

    [Fact]
    public void A_missing_required_field_is_an_error_naming_it()
    {
        SingleError(Minimal.With("version: 1\n", "")).Path.ShouldBe("version");
        SingleError(Minimal.With("    statement: { en: I agree., es: Estoy de acuerdo. }", "")).Path.ShouldBe("steps[7].statement");
    }

    [Fact]
    public void A_duplicated_key_is_reported_with_its_line()
    {
        var error = SingleError(Minimal.With("version: 1\n", "version: 1\nversion: 2\n"));
        error.Line.ShouldBe(3);
        error.Message.ShouldContain("Duplicate key");
    }

    [Fact]
    public void Steps_and_options_carry_their_source_location()
    {
        var d = WorkflowLoader.Parse(Minimal.Yaml, "mini.yaml").Definition!;
        var quiz = d.FindStep("quiz")!;
        quiz.Source.ShouldBe(new SourceLocation("mini.yaml", LineOf(Minimal.Yaml, "- id: quiz"), "steps[4]"));
        quiz.Options[1].Source.ShouldBe(new SourceLocation("mini.yaml", LineOf(Minimal.Yaml, "- id: wrong"), "steps[4].options[1]"));
        d.Source.Line.ShouldBe(1);
    }

    [Fact]
    public void Broken_yaml_is_reported_with_its_line()
    {
        var error = SingleError("id: mini\nversion: 1\nsteps: [unclosed\n");
        error.Message.ShouldContain("not valid YAML");
        error.Line.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Comments_and_layout_do_not_change_the_content_hash_but_any_text_does()
    {
        var original = WorkflowLoader.Parse(Minimal.Yaml, "a.yaml").Definition!.ContentHash;
        var relaid = WorkflowLoader.Parse("# a comment\n" + Minimal.Yaml.Replace("{ en: Sign, es: Firme }", "\n      en: Sign\n      es: Firme", StringComparison.Ordinal), "b.yaml").Definition!.ContentHash;
        var edited = WorkflowLoader.Parse(Minimal.With("I agree.", "I agree!"), "c.yaml").Definition!.ContentHash;

        relaid.ShouldBe(original);
        edited.ShouldNotBe(original);
    }

    [Fact]
    public void The_catalog_refuses_a_file_whose_id_or_version_does_not_match_its_path()
    {
        var root = Directory.CreateTempSubdirectory("workflows");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, "mini"));
            Directory.CreateDirectory(Path.Combine(root.FullName, "other"));
            File.WriteAllText(Path.Combine(root.FullName, "mini", "v1.yaml"), Minimal.Yaml);
            File.WriteAllText(Path.Combine(root.FullName, "mini", "v2.yaml"), Minimal.Yaml);
            File.WriteAllText(Path.Combine(root.FullName, "other", "v1.yaml"), Minimal.Yaml);

            var catalog = WorkflowCatalog.LoadDirectory(root.FullName);

            catalog.All.ShouldHaveSingleItem().Version.ShouldBe(1);
            catalog.Errors.Select(e => e.Path).ShouldBe(["version", "id"], ignoreOrder: true);
            catalog.Find("mini")!.Version.ShouldBe(1);
            catalog.Find("mini", 2).ShouldBeNull();
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_catalog_reports_a_misnamed_version_file_and_a_missing_folder_instead_of_throwing()
    {
        var root = Directory.CreateTempSubdirectory("workflows");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, "mini"));
            File.WriteAllText(Path.Combine(root.FullName, "mini", "v1.yaml"), Minimal.Yaml);
            File.WriteAllText(Path.Combine(root.FullName, "mini", "v2-draft.yaml"), Minimal.Yaml);

            var catalog = WorkflowCatalog.LoadDirectory(root.FullName);

            catalog.All.ShouldHaveSingleItem();
            catalog.Errors.ShouldHaveSingleItem().File.ShouldEndWith("v2-draft.yaml");
            WorkflowCatalog.LoadDirectory(Path.Combine(root.FullName, "absent")).Errors.ShouldHaveSingleItem().Message.ShouldContain("does not exist");
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_catalog_names_the_line_of_a_mismatched_id()
    {
        var root = Directory.CreateTempSubdirectory("workflows");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, "other"));
            var yaml = "# a comment first\n" + Minimal.Yaml;
            File.WriteAllText(Path.Combine(root.FullName, "other", "v1.yaml"), yaml);

            var error = WorkflowCatalog.LoadDirectory(root.FullName).Errors.ShouldHaveSingleItem();

            error.Path.ShouldBe("id");
            error.Line.ShouldBe(2);
            error.Message.ShouldContain("'other'");
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_catalog_finds_the_latest_version_when_none_is_asked()
    {
        var root = Directory.CreateTempSubdirectory("workflows");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, "mini"));
            File.WriteAllText(Path.Combine(root.FullName, "mini", "v1.yaml"), Minimal.Yaml);
            File.WriteAllText(Path.Combine(root.FullName, "mini", "v2.yaml"), Minimal.With("version: 1", "version: 2"));

            var catalog = WorkflowCatalog.LoadDirectory(root.FullName);

            catalog.Errors.ShouldBeEmpty();
            catalog.Find("mini")!.Version.ShouldBe(2);
            catalog.Find("mini", 1)!.Version.ShouldBe(1);
            catalog.Find("absent").ShouldBeNull();
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_json_schema_is_valid_json_and_knows_every_step_type_and_setting()
    {
        var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(Shipped.WorkflowsRoot, "workflow.schema.json"))).RootElement;
        var text = schema.GetRawText();

        foreach (var type in new[] { "explain", "risk", "quiz", "choice", "provision", "decision", "signature" }) text.ShouldContain($"\"{type}\"");
        var settings = schema.GetProperty("properties").GetProperty("settings").GetProperty("properties");
        foreach (var setting in new[] { "countersign", "witness", "coolingOff", "validity", "reaffirmation", "acceptedEarlierVersions", "quizAttempts", "reminderAfter", "tabletTokenLifetime" })
        {
            settings.TryGetProperty(setting, out _).ShouldBeTrue(setting);
        }
    }
}
