using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;
using Consent.Contracts.Records;
using Microsoft.Playwright;

namespace Consent.Api.Tests.Tablet;

/// <summary>The workflow tells the patient to call "the number on your copy": the copy and the signed record carry the clinic profile's number.</summary>
[Trait("Category", "Browser")]
public sealed class CareTeamNumberTests(TabletBrowser browser) : IClassFixture<TabletBrowser>
{
    [Fact]
    public async Task The_patients_copy_and_the_record_pdf_text_show_the_care_teams_number_and_no_placeholder_is_left()
    {
        using var coordinator = browser.ClientAs(StaffRoles.Coordinator, "demo");
        var created = await coordinator.PostAsync("/api/consents", ConsentDriver.Json(new { patientId = "MRN-5601", procedureCode = "MSC-1", workflowId = "stem-cell-ms", locale = "en" }));
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        var id = body.GetProperty("id").GetString()!;
        var page = await browser.NewTabletAsync();
        await TabletBrowser.OpenLinkAsync(page, body.GetProperty("tabletUrl").GetString()!);
        // The service reads the repository's clinics/ folder, whose demo profile has the care team's (example) number.
        await new TabletWalker(page, "stem-cell-ms", clinic: "demo").WalkAsync();

        await page.GotoAsync(new Uri(browser.BaseUrl, "/tablet/copy").ToString());
        await Assertions.Expect(page.Locator("#care-team-phone")).ToHaveTextAsync("Questions? Call the care team at 555-0100 (example).");
        (await page.Locator("article.copy").TextContentAsync())!.ShouldNotContain("{clinic.");
        await Screens.AssertAccessibleAsync(page, "copy with the care team's number");
        await DocsScreenshots.SaveAsync(page, "tablet-copy-care-team-number");

        var record = JsonSerializer.Deserialize<SignedRecord>(
            (await coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/record")).GetProperty("record").GetRawText(), JsonSerializerOptions.Web)!;
        record.Presentation.CareTeamPhone.ShouldBe("555-0100 (example)");
        record.Presentation.ClinicName.ShouldBe("Example Clinic (demo)");
        var text = string.Join('\n', RecordPages.Blocks(record).Select(b => b.Text));
        text.ShouldContain("Questions? Call the care team at 555-0100 (example)");
        text.ShouldNotContain("{clinic.");
    }
}
