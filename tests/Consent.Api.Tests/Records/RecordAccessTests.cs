using System.Net;
using Consent.Api.Records;
using Consent.Api.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Records;

/// <summary>
/// The PDF and FHIR downloads are refused as the JSON one is (another clinic, a tablet whose session ended), and a
/// record is made on its first download, never while the patient answers.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class RecordAccessTests(RecordAccessTests.Factory factory) : IClassFixture<RecordAccessTests.Factory>
{
    public sealed class Factory : ApiFactory;

    [Fact]
    public async Task The_pdf_and_fhir_are_refused_to_another_clinic_and_the_pdf_to_the_tablet_once_its_session_ended()
    {
        var (driver, id, tablet) = await RecordDriver.Granted(factory);
        var other = new ConsentDriver(factory);

        using (var own = await tablet.GetAsync($"/api/consents/{id}/record.pdf")) own.StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var foreignPdf = await other.Coordinator.GetAsync($"/api/consents/{id}/record.pdf")) foreignPdf.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using (var foreignFhir = await other.Coordinator.GetAsync($"/api/consents/{id}/fhir")) foreignFhir.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var withdraw = await driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }));
        withdraw.StatusCode.ShouldBe(HttpStatusCode.OK);

        using var ended = await tablet.GetAsync($"/api/consents/{id}/record.pdf");

        ended.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Walking_and_signing_store_no_record_which_is_made_on_the_first_download()
    {
        var (driver, id, _) = await RecordDriver.Granted(factory);
        var store = factory.Services.GetRequiredService<IDocumentStore>();

        await using (var before = store.QuerySession(driver.Clinic))
        {
            (await before.Query<StoredConsentRecord>().CountAsync(r => r.ConsentId == id)).ShouldBe(0);
        }
        await RecordDriver.Record(driver.Coordinator, id);

        await using var after = store.QuerySession(driver.Clinic);
        (await after.Query<StoredConsentRecord>().CountAsync(r => r.ConsentId == id)).ShouldBe(1);
    }
}
