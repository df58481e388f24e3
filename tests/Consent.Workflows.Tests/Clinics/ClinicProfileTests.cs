using System.Text.Json;
using Consent.Workflows.Clinics;
using Consent.Workflows.Linting;
using Consent.Workflows.Loading;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Clinics;

public sealed class ClinicProfileTests
{
    private static string ClinicsRoot => Path.Combine(Shipped.RepoRoot, "clinics");

    private static ClinicProfile Demo => ClinicProfile.LoadFile(Path.Combine(ClinicsRoot, "demo.yaml")).Profile!;

    [Fact]
    public void The_demo_profile_is_valid_complete_and_obviously_an_example()
    {
        var loaded = ClinicProfile.LoadFile(Path.Combine(ClinicsRoot, "demo.yaml"));
        loaded.Problems.ShouldBeEmpty(string.Join(" | ", loaded.Problems));
        var demo = loaded.Profile!;
        demo.Id.ShouldBe("demo");
        foreach (var field in ClinicFields.All)
        {
            foreach (var locale in new[] { "en", "es" })
            {
                var value = demo.Value(field.Key, locale);
                value.ShouldNotBeNull($"{field.Key} [{locale}]");
                value.ShouldMatch("(?i)example|ejemplo|demo", $"{field.Key} [{locale}] must read as an example");
            }
        }
    }

    [Fact]
    public void The_json_schema_lists_exactly_the_fields_the_code_knows()
    {
        var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(ClinicsRoot, "clinic-profile.schema.json"))).RootElement;
        var keys = new List<string>();
        void Walk(JsonElement properties, string prefix)
        {
            foreach (var p in properties.EnumerateObject().Where(p => p.Name != "id" || prefix.Length > 0))
            {
                var key = prefix.Length == 0 ? p.Name : $"{prefix}.{p.Name}";
                if (p.Value.TryGetProperty("properties", out var inner)) Walk(inner, key);
                else keys.Add(key);
            }
        }
        Walk(schema.GetProperty("properties"), "");
        keys.ShouldBe(ClinicFields.All.Select(f => f.Key), ignoreOrder: true);
    }

    [Theory]
    [InlineData("id: demo\ncontacts:\n  pager: 555-0101\n", "contacts.pager", "unknown field")]
    [InlineData("id: demo\ncosts:\n  refund: 100\n", "costs.refund", "text per locale")]
    [InlineData("id: demo\ncontacts:\n  urgent: { en: call }\n", "contacts.urgent", "non-empty value")]
    [InlineData("id: north\n", "id", "does not match")]
    [InlineData("id: demo\ninjury:\n  care: { english: We treat you. }\n", "injury.care.english", "locale code")]
    public void A_bad_profile_is_refused_naming_the_field(string yaml, string path, string message)
    {
        var loaded = ClinicProfile.Parse(yaml, "demo");
        loaded.Profile.ShouldBeNull();
        loaded.Problems.ShouldContain(p => p.Path == path && p.Message.Contains(message), string.Join(" | ", loaded.Problems));
    }

    [Fact]
    public void Placeholders_render_per_locale_and_name_what_is_missing()
    {
        var profile = ClinicProfile.Parse("id: demo\ncontacts:\n  urgent: 555-0199\ninjury:\n  care: { en: We treat you here., es: Le tratamos aquí. }\n", "demo").Profile!;
        var es = Placeholders.Render("Call {clinic.contacts.urgent}. {clinic.injury.care}", profile, "es");
        es.Text.ShouldBe("Call 555-0199. Le tratamos aquí.");
        es.Missing.ShouldBeEmpty();
        var rendered = Placeholders.Render("Refunds: {clinic.costs.refund}", profile, "en");
        rendered.Text.ShouldBe("Refunds: {clinic.costs.refund}");
        rendered.Missing.ShouldBe(["costs.refund"]);
        profile.MissingFor(["contacts.urgent", "injury.care", "costs.refund"], ["en", "es"]).ShouldBe(["costs.refund"]);
    }

    [Fact]
    public void A_workflow_rendered_for_a_clinic_keeps_its_template_hash_and_shows_the_values()
    {
        var d = WorkflowLoader.Parse(Minimal.Yaml, "mini.yaml").Definition!;
        Placeholders.UsedBy(d).ShouldBe(["contacts.main"]);
        var rendered = Placeholders.RenderAll(d, Demo);
        rendered.ContentHash.ShouldBe(d.ContentHash);
        rendered.Steps[1].Body.ByLocale["en"].ShouldContain("Call us at 555-0100 (example) with questions.");
        rendered.Steps[1].Body.ByLocale["es"].ShouldContain("Llame al 555-0100 (example)");
    }

    [Fact]
    public void The_linter_refuses_a_placeholder_the_schema_does_not_know() =>
        WorkflowLinter.LintYaml(Minimal.With("{clinic.contacts.main}", "{clinic.contacts.mian}"), "t.yaml", Shipped.Rules).Errors
            .ShouldContain(f => f.Code == "unknown-placeholder" && f.Path == "steps[1].body" && f.Message.Contains("{clinic.contacts.mian}"));

    [Fact]
    public void A_consent_cannot_start_on_a_definition_with_a_value_the_clinic_lacks()
    {
        var partial = ClinicProfile.Parse("id: north\ncontacts:\n  main: 555-0111\n", "north").Profile!;
        var v2 = Shipped.StemCellMsV2;
        var refused = Consent.Workflows.Runtime.ConsentRuntime.Start(Placeholders.RenderAll(v2, partial), new Consent.Workflows.Runtime.StartConsent("en", null), Walker.T0);
        refused.Rejection!.Field.ShouldBe("clinic");
        refused.Rejection.Message.ShouldContain("{clinic.contacts.urgent}");
        Consent.Workflows.Runtime.ConsentRuntime.Start(Placeholders.RenderAll(v2, Demo), new Consent.Workflows.Runtime.StartConsent("en", null), Walker.T0).Accepted.ShouldBeTrue();
    }
}
