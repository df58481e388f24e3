using System.Net;
using System.Text;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;
using Consent.Contracts.Records;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Task = System.Threading.Tasks.Task;

namespace Consent.Api.Tests.Records;

public sealed class RecordFhirEndpointTests(RecordFhirEndpointTests.Factory factory) : IClassFixture<RecordFhirEndpointTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private static readonly JsonSerializerOptions Fhir = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);

    private static async Task<(string Json, Bundle Bundle)> Bundle(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/api/consents/{id}/fhir");
        var json = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, json);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/fhir+json");
        return (json, JsonSerializer.Deserialize<Bundle>(json, Fhir)!);
    }

    [Fact]
    public async Task Granted_withdrawn_and_declined_consents_each_yield_a_bundle_with_no_validation_errors()
    {
        var (driver, granted, _) = await RecordDriver.Granted(factory);
        var withdrawer = new ConsentDriver(factory);
        var (toWithdraw, tablet, _) = await withdrawer.Start();
        await ConsentDriver.Walk(tablet, toWithdraw, route: "iv");
        using (var withdraw = await withdrawer.Coordinator.PostAsync($"/api/consents/{toWithdraw}/withdraw", ConsentDriver.Json(new { reason = "patient_request" })))
        {
            withdraw.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        var (declined, declinedTablet, _) = await driver.Start(locale: "es");
        await ConsentDriver.Walk(declinedTablet, declined, consent: false);
        var integration = factory.ClientAs(StaffRoles.Integration, driver.Clinic);

        foreach (var (client, id, status) in new[]
        {
            (integration, granted, Hl7.Fhir.Model.Consent.ConsentState.Active),
            (withdrawer.Coordinator, toWithdraw, Hl7.Fhir.Model.Consent.ConsentState.Inactive),
            (driver.Clinician, declined, Hl7.Fhir.Model.Consent.ConsentState.Rejected),
        })
        {
            var (_, bundle) = await Bundle(client, id);
            FhirValidation.Errors(bundle).ShouldBeEmpty(id);
            bundle.Entry.Select(e => e.Resource).OfType<Hl7.Fhir.Model.Consent>().Single().Status.ShouldBe(status);
        }
    }

    [Fact]
    public async Task The_bundle_names_the_patient_the_provisions_and_carries_a_jws_that_verifies_offline()
    {
        var (driver, id, tablet) = await RecordDriver.Granted(factory);

        var (json, bundle) = await Bundle(driver.Clinician, id);

        var consent = bundle.Entry.Select(e => e.Resource).OfType<Hl7.Fhir.Model.Consent>().Single();
        consent.Patient!.Identifier!.Value.ShouldBe("MRN-1001");
        consent.Provision!.Type.ShouldBe(Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit);
        consent.Provision.Provision.ShouldContain(p => p.Code.Any(c => c.Coding.Any(x => x.Code == "provision-photos")) && p.Type == Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit);
        consent.Source.ShouldBeOfType<Attachment>().ContentType.ShouldBe("application/pdf");
        var provenance = bundle.Entry.Select(e => e.Resource).OfType<Provenance>().Single();
        provenance.Agent.Select(a => a.Who.Display).ShouldContain("Dr. Rivera");
        var jws = Encoding.ASCII.GetString(provenance.Signature.Single(s => s.Data is not null).Data!);
        RecordVerifier.Verify(jws, null, await RecordDriver.Keys(factory)).Problems.ShouldBeEmpty();

        var file = await RecordDriver.Save("bundle.json", Encoding.UTF8.GetBytes(json));
        var result = await RecordDriver.Verify(file, "--keys", await RecordDriver.KeysFile(factory));
        result.Exit.ShouldBe(0, result.Out + result.Err);
        result.Out.ShouldContain($"VALID consent record {id} (FHIR Bundle)");

        using var refused = await tablet.GetAsync($"/api/consents/{id}/fhir");
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
