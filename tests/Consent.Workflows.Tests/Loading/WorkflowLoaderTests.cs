using System.Text.Json;
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
        result.Definition!.Steps.Length.ShouldBe(7);
        result.Definition.ContentHash.ShouldMatch("^sha256:[0-9a-f]{64}$");
        result.Definition.Settings.CoolingOff.ShouldBe(TimeSpan.FromHours(1));
        result.Definition.Settings.DefaultQuizAttempts.ShouldBe(3);
    }

    [Fact]
    public void Errors_name_the_file_the_line_and_the_field()
    {
        var error = SingleError(Minimal.With("    type: risk", "    type: danger"));

        error.File.ShouldBe("workflows/mini/v1.yaml");
        error.Line.ShouldBe(Minimal.Yaml.Split('\n').ToList().FindIndex(l => l.Contains("type: risk", StringComparison.Ordinal)) + 1);
        error.Path.ShouldBe("steps[2].type");
        error.Message.ShouldContain("danger");
        error.ToString().ShouldStartWith($"workflows/mini/v1.yaml:{error.Line}: steps[2].type:");
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
    [InlineData("version: 1", "version: one", "version")]
    [InlineData("  countersign: false", "  countersign: maybe", "settings.countersign")]
    [InlineData("  - id: photos", "  - id: Photos!", "steps[4].id")]
    [InlineData("    correct: right\n", "", "steps[3].correct")]
    [InlineData("locales: [en, es]", "locales: [english]", "locales[0]")]
    public void Wrong_values_are_errors_naming_the_field(string find, string replace, string path) =>
        WorkflowLoader.Parse(Minimal.With(find, replace), "x.yaml").Errors.ShouldContain(e => e.Path == path, string.Join(" | ", WorkflowLoader.Parse(Minimal.With(find, replace), "x.yaml").Errors));

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
