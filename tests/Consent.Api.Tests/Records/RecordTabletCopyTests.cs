using Consent.Api.Auth;
using Consent.Api.Tests.Support;
using Consent.Api.Tests.Tablet;
using Microsoft.Playwright;

namespace Consent.Api.Tests.Records;

public sealed class RecordTabletCopyTests(TabletBrowser browser) : IClassFixture<TabletBrowser>
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
}
