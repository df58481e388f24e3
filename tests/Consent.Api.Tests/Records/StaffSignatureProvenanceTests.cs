using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Records;
using Consent.Api.Tests.Support;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Task = System.Threading.Tasks.Task;

namespace Consent.Api.Tests.Records;

/// <summary>
/// A staff signature's manifest (who, role, meaning, how they authenticated, when) leaves the service in the FHIR
/// Provenance and is printed by <c>consent verify</c>, not only in the history and the signed JSON.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class StaffSignatureProvenanceTests(StaffSignatureProvenanceTests.Factory factory) : IClassFixture<StaffSignatureProvenanceTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private static readonly JsonSerializerOptions Fhir = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);

    private static async Task<(string Json, Bundle Bundle)> Bundle(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/api/consents/{id}/fhir");
        var json = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, json);
        return (json, JsonSerializer.Deserialize<Bundle>(json, Fhir)!);
    }

    private static Extension Part(Signature signature, string name) =>
        signature.Extension.Single(e => e.Url == RecordFhirSignatures.ManifestExtension).Extension.Single(e => e.Url == name);

    [Fact]
    public async Task A_countersignature_is_an_attesting_agent_in_its_role_and_a_verification_signature_with_its_meaning_and_method()
    {
        var (driver, id, _) = await RecordDriver.Granted(factory);

        var (json, bundle) = await Bundle(driver.Clinician, id);

        FhirValidation.Errors(bundle).ShouldBeEmpty();
        var provenance = bundle.Entry.Select(e => e.Resource).OfType<Provenance>().Single();
        var clinician = provenance.Agent.Single(a => a.Who!.Identifier?.System == RecordFhirSignatures.StaffAccountSystem);
        clinician.Who!.Display.ShouldBe("Dr. Rivera");
        clinician.Who!.Identifier!.Value.ShouldBe("test-user");
        clinician.Type!.Coding.Single().Code.ShouldBe("attester");
        clinician.Role.Single().Coding.Single().Code.ShouldBe(StaffRoles.Clinician);
        var patient = provenance.Agent.Single(a => a.Type!.Coding.Single().Code == "author");
        patient.Who!.Identifier!.Value.ShouldBe("MRN-1001");
        patient.Role.Single().Coding.Single().Code.ShouldBe("patient");

        var countersigned = provenance.Signature.Single(s => (s.Who as ResourceReference)?.Identifier?.System == RecordFhirSignatures.StaffAccountSystem);
        countersigned.Type.Single().Code.ShouldBe("1.2.840.10065.1.12.1.5");
        countersigned.Type.Single().System.ShouldBe("urn:iso-astm:E1762-95:2013");
        countersigned.Data.ShouldBeNull();
        ((Code)Part(countersigned, "act").Value!).Value.ShouldBe("countersign");
        ((FhirString)Part(countersigned, "meaning").Value!).Value.ShouldNotBeNullOrWhiteSpace();
        ((Coding)Part(countersigned, "method").Value!).Code.ShouldBe("token_auth_time");
        Part(countersigned, "authenticatedAt").Value.ShouldBeOfType<FhirDateTime>();
        provenance.Signature.Where(s => s.Type.Single().Code == "1.2.840.10065.1.12.1.7").Select(s => ((ResourceReference)s.Who!).Identifier!.Value).ShouldBe(["MRN-1001"]);
        // The record's own JWS is still the one signature with data, and verifies.
        var jws = Encoding.ASCII.GetString(provenance.Signature.Single(s => s.Data is not null).Data!);
        Consent.Contracts.Records.RecordVerifier.Verify(jws, null, await RecordDriver.Keys(factory)).Problems.ShouldBeEmpty();

        var file = await RecordDriver.Save("bundle.json", Encoding.UTF8.GetBytes(json));
        var result = await RecordDriver.Verify(file, "--keys", await RecordDriver.KeysFile(factory));
        result.Exit.ShouldBe(0, result.Out + result.Err);
        var meaning = ((FhirString)Part(countersigned, "meaning").Value!).Value;
        result.Out.ShouldContain("staff      countersign by Dr. Rivera (clinician; account test-user) at ");
        result.Out.ShouldContain($"meaning \"{meaning}\"; method token_auth_time at ");
    }

    [Fact]
    public async Task A_coordinators_withdrawal_on_the_patients_behalf_is_an_authors_signature_and_verify_prints_it_from_the_record_json()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start();
        await ConsentDriver.Walk(tablet, id, route: "iv");
        using var coordinator = factory.CreateClient();
        coordinator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.Token(StaffRoles.Coordinator, driver.Clinic, "co-17", name: "Sam Coordinator"));
        using (var withdraw = await coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" })))
        {
            withdraw.StatusCode.ShouldBe(HttpStatusCode.OK, await withdraw.Content.ReadAsStringAsync());
        }

        var (_, bundle) = await Bundle(driver.Coordinator, id);
        FhirValidation.Errors(bundle).ShouldBeEmpty();
        var provenance = bundle.Entry.Select(e => e.Resource).OfType<Provenance>().Single();
        var agent = provenance.Agent.Single(a => a.Who!.Identifier?.Value == "co-17");
        agent.Type!.Coding.Single().Code.ShouldBe("author");
        agent.Role.Single().Coding.Single().Code.ShouldBe(StaffRoles.Coordinator);
        var signature = provenance.Signature.Single(s => (s.Who as ResourceReference)?.Identifier?.Value == "co-17");
        signature.Type.Single().Code.ShouldBe("1.2.840.10065.1.12.1.1");
        ((Code)Part(signature, "act").Value!).Value.ShouldBe("withdraw");

        var record = await RecordDriver.Record(driver.Coordinator, id);
        var file = await RecordDriver.Save("record.json", Encoding.UTF8.GetBytes(record.ToJsonString()));
        var result = await RecordDriver.Verify(file, "--keys", await RecordDriver.KeysFile(factory));
        result.Exit.ShouldBe(0, result.Out + result.Err);
        result.Out.ShouldContain("staff      withdraw by Sam Coordinator (coordinator; account co-17) at ");
        result.Out.ShouldContain("method token_auth_time at ");
    }
}
