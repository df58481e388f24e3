using Consent.Api.Records;
using Consent.Contracts.Records;
using Hl7.Fhir.Model;

namespace Consent.Contracts.Tests.Records;

public sealed class RecordFhirTests
{
    static RecordFhirTests() => RecordFonts.Install(RecordFonts.DefaultDirectory);

    // Validation against the R4 base profiles runs in Consent.Api.Tests (RecordFhirEndpointTests): loading the
    // specification takes the validator about 35 s, too long for the pure tests.
    [Fact]
    public void The_bundle_carries_the_consent_the_jws_in_its_provenance_and_the_pdf()
    {
        var record = SampleRecords.Record(steps: 6, locale: "es");
        var issued = new IssuedRecord(RecordJson.ToUtf8(record), "header.payload.signature", record);
        var pdf = RecordPdf.Render(issued, Paper.A4);

        var bundle = RecordFhir.Build(issued, pdf, "https://consent.example/api/consents/cns_sample/record.pdf", "urn:oid:2.16.840.1.113883.19.5");

        var consent = bundle.Entry.Select(e => e.Resource).OfType<Hl7.Fhir.Model.Consent>().Single();
        consent.Status.ShouldBe(Hl7.Fhir.Model.Consent.ConsentState.Active);
        consent.Patient!.Identifier!.Value.ShouldBe("MRN-1001");
        consent.Source.ShouldBeOfType<Attachment>().Data.ShouldBe(pdf);
        var provenance = bundle.Entry.Select(e => e.Resource).OfType<Provenance>().Single();
        System.Text.Encoding.ASCII.GetString(provenance.Signature.Single(s => s.Data is not null).Data!).ShouldBe("header.payload.signature");
        provenance.Target.Single().Reference.ShouldBe(bundle.Entry[0].FullUrl);
        bundle.Entry.Select(e => e.Resource).OfType<DocumentReference>().Single().Content.Single().Attachment.SizeUnsignedInt.ShouldBe(pdf.Length);
    }
}
