using Consent.Api.UnitTests.Support;
using Consent.Api.Workflows;
using Microsoft.Extensions.Configuration;

namespace Consent.Api.UnitTests.Workflows;

/// <summary>
/// What the service offers for new consents (<see cref="PublishedWorkflows.Find"/>, which starting a consent calls):
/// only approved hashes, v2 only at the clinic whose packet was approved, and nothing at all while a clinic's profile
/// adds a misleading claim to a published text.
/// </summary>
public sealed class PublishedWorkflowsTests
{
    private static PublishedWorkflows Load(string root) => PublishedWorkflows.Load(new ConfigurationBuilder()
        .AddInMemoryCollection([new("Workflows:Path", Path.Combine(root, "workflows")), new("Clinics:Path", Path.Combine(root, "clinics"))]).Build());

    /// <summary>A copy of the shipped workflows/ and clinics/ folders, with <paramref name="edit"/> applied to the copy's files.</summary>
    private static string CopyOfShipped(Action<string>? edit = null)
    {
        var root = Directory.CreateTempSubdirectory("published-").FullName;
        foreach (var folder in new[] { "workflows", "clinics" })
        {
            var from = Path.Combine(RepoRoot.Path, folder);
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var to = Path.Combine(root, folder, Path.GetRelativePath(from, file));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to);
            }
        }
        edit?.Invoke(root);
        return root;
    }

    private static void Replace(string file, string find, string replace)
    {
        var text = File.ReadAllText(file);
        text.ShouldContain(find);
        File.WriteAllText(file, text.Replace(find, replace, StringComparison.Ordinal));
    }

    [Fact]
    public void New_consents_start_on_approved_v2_at_the_demo_clinic_and_on_v1_at_a_clinic_whose_packet_no_one_approved()
    {
        var published = Load(RepoRoot.Path);
        foreach (var id in new[] { "stem-cell-ms", "lumbar-puncture" })
        {
            var demo = published.Find("demo", id)!;
            demo.Version.ShouldBe(2);
            string.Concat(demo.Steps.SelectMany(s => s.Body.ByLocale.Values)).ShouldNotContain("{clinic.");
            published.Find("clinic-1234", id)!.Version.ShouldBe(1);
            // A consent already on v2 is still read at any clinic it belongs to.
            published.Find("demo", id, 2).ShouldNotBeNull();
        }
    }

    [Fact]
    public void A_v2_edited_after_approval_is_not_offered_for_new_consents()
    {
        var root = CopyOfShipped(r => Replace(Path.Combine(r, "workflows", "lumbar-puncture", "v2.yaml"), "It is not experimental.", "It is not an experiment."));

        var published = Load(root);

        published.Find("demo", "lumbar-puncture")!.Version.ShouldBe(1);
        published.Find("demo", "lumbar-puncture", 2).ShouldBeNull();
        published.Catalog.Unapproved.ShouldHaveSingleItem().Id.ShouldBe("lumbar-puncture");
        published.Find("demo", "stem-cell-ms")!.Version.ShouldBe(2);
    }

    [Fact]
    public void Without_an_approvals_file_every_version_is_published()
    {
        var root = CopyOfShipped(r => File.Delete(Path.Combine(r, "workflows", "approvals.yaml")));
        Load(root).Find("clinic-1234", "lumbar-puncture")!.Version.ShouldBe(2);
    }

    [Fact]
    public void A_clinic_profile_that_adds_a_misleading_claim_to_a_published_text_stops_the_start_up()
    {
        var root = CopyOfShipped(r => Replace(Path.Combine(r, "clinics", "demo.yaml"),
            "this clinic gives the treatment inside a registered research study.", "we give FDA-approved stem cells."));

        var error = Should.Throw<InvalidOperationException>(() => Load(root));

        error.Message.ShouldContain("stem-cell-ms v2 for clinic demo: claim-fda-approved clinic.regulatory.status");
        Load(CopyOfShipped()).Find("demo", "stem-cell-ms").ShouldNotBeNull();
    }
}
