using Consent.Api.Auth;
using Consent.Api.Tests.Support;
using Consent.Api.Tests.Tablet;
using Microsoft.Playwright;

namespace Consent.Api.Tests.Records;

public sealed class RecordBrowserTests(TabletBrowser browser) : IClassFixture<TabletBrowser>
{
    [Fact]
    public async Task After_signing_the_tablets_copy_offers_the_signed_pdf_until_the_session_ends()
    {
        var tablet = await browser.OpenAsync();
        await tablet.Walker.WalkAsync(route: "iv");
        await tablet.Walker.TapAndWaitAsync(tablet.Walker.Link("See my copy"));

        var link = tablet.Page.GetByRole(AriaRole.Link, new() { Name = "Signed copy (PDF)", Exact = true });
        (await link.GetAttributeAsync("href")).ShouldBe("/tablet/copy.pdf");
        var pdf = await tablet.Page.APIRequest.GetAsync(new Uri(browser.BaseUrl, "/tablet/copy.pdf").ToString());

        pdf.Status.ShouldBe(200);
        pdf.Headers["content-type"].ShouldBe("application/pdf");
        using (var document = UglyToad.PdfPig.PdfDocument.Open(await pdf.BodyAsync()))
        {
            string.Join(" ", document.GetPage(1).GetWords().Select(w => w.Text)).ShouldContain("Stem-cell therapy for multiple sclerosis");
        }

        using var withdraw = await browser.ClientAs(StaffRoles.Coordinator, tablet.Clinic)
            .PostAsync($"/api/consents/{tablet.Id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }));
        withdraw.IsSuccessStatusCode.ShouldBeTrue();
        var ended = await tablet.Page.APIRequest.GetAsync(new Uri(browser.BaseUrl, "/tablet/copy.pdf").ToString());
        ended.Headers["content-type"].ShouldNotBe("application/pdf");
    }

    [Fact]
    public async Task The_dashboard_downloads_a_consents_record_and_exports_the_clinics_records_for_a_day()
    {
        var (driver, id, _) = await RecordDriver.Granted(browser.Api);
        var page = await browser.SignedInStaffAsync(StaffRoles.Clinician, driver.Clinic);
        await page.GotoAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}").ToString());

        var links = page.Locator("#record-downloads a");
        (await links.EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))")).ShouldBe(
            [$"/dashboard/consents/{id}/record.pdf?download=true", $"/dashboard/consents/{id}/record.json", $"/dashboard/consents/{id}/fhir"]);
        var pdf = await page.APIRequest.GetAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}/record.pdf?download=true").ToString());
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var zip = await page.APIRequest.GetAsync(new Uri(browser.BaseUrl, $"/dashboard/records.zip?from={today}&to={today}").ToString());

        pdf.Status.ShouldBe(200);
        pdf.Headers["content-type"].ShouldBe("application/pdf");
        pdf.Headers["content-disposition"].ShouldStartWith("attachment;");
        zip.Status.ShouldBe(200);
        zip.Headers["content-type"].ShouldBe("application/zip");
        using var archive = new System.IO.Compression.ZipArchive(new MemoryStream(await zip.BodyAsync()));
        archive.Entries.Select(e => e.FullName).ShouldContain($"{id}/record.pdf");
    }
}
