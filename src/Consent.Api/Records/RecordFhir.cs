using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Consent.Contracts.Records;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace Consent.Api.Records;

/// <summary>
/// The record as FHIR R4 for an EHR: a collection Bundle of the Consent (status, scope, category, patient by
/// identifier, provisions as permit/deny, the PDF as its source), the Provenance whose signature is the record's
/// JWS, and a DocumentReference for the PDF. Entry ids derive from the consent and version, so a download repeats.
/// </summary>
public static class RecordFhir
{
    public const string MediaType = "application/fhir+json";
    public const string JoseSignature = "application/jose";
    private const string Loinc = "http://loinc.org";
    private const string ParticipantTypes = "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

    private static readonly JsonSerializerOptions Json = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);

    /// <param name="patientIdentifierSystem">The system of the clinic's patient ids, so the EHR matches the patient it knows.</param>
    /// <param name="pdfUrl">Where the PDF is served (it is also carried inline in the Consent's source).</param>
    public static Bundle Build(IssuedRecord issued, byte[] pdf, string pdfUrl, string patientIdentifierSystem)
    {
        ArgumentNullException.ThrowIfNull(issued);
        ArgumentNullException.ThrowIfNull(pdf);
        var record = issued.Record;
        var consentUrl = Urn(record, "Consent");
        var lastSignature = record.Signatures.Count > 0 ? record.Signatures[^1] : null;
        var signedAt = lastSignature?.At ?? record.Ending?.At ?? record.AsOf;
        var patient = new ResourceReference { Identifier = new Identifier(patientIdentifierSystem, record.PatientId) };
        var clinic = new ResourceReference { Identifier = new Identifier("urn:consent:clinic", record.ClinicId), Display = record.Presentation.ClinicName };
        var signer = lastSignature is { } s
            ? s.SignerRole == "patient"
                ? new ResourceReference { Identifier = patient.Identifier, Display = s.SignerName }
                : new ResourceReference { Display = s.Relationship is null ? s.SignerName : $"{s.SignerName} ({s.Relationship})" }
            : patient;
        var title = $"{record.Workflow.Title} — {record.ConsentId}";
#pragma warning disable CA5350 // FHIR R4 defines Attachment.hash as SHA-1; it identifies the PDF, the JWS protects it.
        var pdfSha1 = SHA1.HashData(pdf);
#pragma warning restore CA5350

        var consent = new Hl7.Fhir.Model.Consent
        {
            Identifier = [new Identifier("urn:consent:consent-id", record.ConsentId)],
            Status = StatusOf(record.Status),
            Scope = new CodeableConcept("http://terminology.hl7.org/CodeSystem/consentscope", "treatment", "Treatment"),
            Category = [new CodeableConcept(Loinc, "59284-0", "Patient Consent")],
            Patient = patient,
            DateTimeElement = new FhirDateTime(signedAt),
            Performer = [signer],
            Organization = [clinic],
            Policy = [new Hl7.Fhir.Model.Consent.PolicyComponent { Uri = $"urn:consent:workflow:{record.Workflow.Id}:v{record.Workflow.Version}:{record.Workflow.ContentHash}" }],
            Source = new Attachment { ContentType = "application/pdf", Language = record.Locale, Data = pdf, Hash = pdfSha1, Title = title },
            Provision = Provisions(record),
        };
        var provenance = new Provenance
        {
            Target = [new ResourceReference(consentUrl)],
            Recorded = record.AsOf,
            Agent = Agents(record, patient.Identifier),
            Signature =
            [
                new Signature
                {
                    Type = [SignatureTypes.Verification],
                    When = record.AsOf,
                    Who = clinic,
                    SigFormat = JoseSignature,
                    Data = Encoding.ASCII.GetBytes(issued.Jws),
                },
                .. RecordFhirSignatures.People(record, patient.Identifier),
            ],
        };
        var document = new DocumentReference
        {
            Status = DocumentReferenceStatus.Current,
            Type = new CodeableConcept(Loinc, "59284-0", "Patient Consent"),
            Subject = patient,
            Date = record.AsOf,
            Custodian = clinic,
            Description = title,
            Content = [new DocumentReference.ContentComponent { Attachment = new Attachment { ContentType = "application/pdf", Language = record.Locale, Url = pdfUrl, SizeUnsignedInt = pdf.Length, Hash = pdfSha1, Title = title } }],
        };
        return new Bundle
        {
            Type = Bundle.BundleType.Collection,
            Identifier = new Identifier("urn:consent:record", $"{record.ConsentId}@{record.StreamVersion}"),
            Timestamp = record.AsOf,
            Entry =
            [
                new Bundle.EntryComponent { FullUrl = consentUrl, Resource = consent },
                new Bundle.EntryComponent { FullUrl = Urn(record, "Provenance"), Resource = provenance },
                new Bundle.EntryComponent { FullUrl = Urn(record, "DocumentReference"), Resource = document },
            ],
        };
    }

    public static string Serialize(Bundle bundle) => JsonSerializer.Serialize(bundle, Json);

    private static Hl7.Fhir.Model.Consent.ConsentState StatusOf(string status) => status switch
    {
        "granted" => Hl7.Fhir.Model.Consent.ConsentState.Active,
        "awaiting_countersign" => Hl7.Fhir.Model.Consent.ConsentState.Proposed,
        "declined" => Hl7.Fhir.Model.Consent.ConsentState.Rejected,
        "withdrawn" or "expired" or "superseded" => Hl7.Fhir.Model.Consent.ConsentState.Inactive,
        _ => Hl7.Fhir.Model.Consent.ConsentState.Draft,
    };

    /// <summary>The consent permits the procedure unless it was declined; each optional permission is its own permit or deny.</summary>
    private static Hl7.Fhir.Model.Consent.provisionComponent Provisions(SignedRecord record)
    {
        var root = new Hl7.Fhir.Model.Consent.provisionComponent
        {
            Type = record.Status == "declined" ? Hl7.Fhir.Model.Consent.ConsentProvisionType.Deny : Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit,
            Code = [new CodeableConcept("urn:consent:procedure", record.ProcedureCode)],
        };
        if (record.ValidFrom is { } from && record.ValidUntil is { } until)
        {
            root.Period = new Period(new FhirDateTime(from), new FhirDateTime(until));
        }
        foreach (var step in record.Steps.Where(s => s.Type == "provision"))
        {
            if (step.Answers.LastOrDefault(a => a.Kind == "provision_answered") is not { } answer) continue;
            root.Provision.Add(new Hl7.Fhir.Model.Consent.provisionComponent
            {
                Type = answer.Value == "yes" ? Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit : Hl7.Fhir.Model.Consent.ConsentProvisionType.Deny,
                Code = [new CodeableConcept($"urn:consent:workflow:{record.Workflow.Id}:provision", step.Id, step.Title)],
            });
        }
        return root;
    }

    /// <summary>One agent per person who signed: the patient or representative as author, each staff signer in their role.</summary>
    private static List<Provenance.AgentComponent> Agents(SignedRecord record, Identifier patient)
    {
        var agents = RecordFhirSignatures.Signers(record, patient);
        if (agents.Count == 0) agents.Add(new() { Type = new CodeableConcept(ParticipantTypes, "author", "Author"), Who = new ResourceReference { Identifier = patient } });
        // Records from before staff signatures were stored name the countersigning clinician only.
        if (record.Countersignature is { } c && (record.StaffSignatures ?? []).All(s => s.Act != "countersign"))
        {
            agents.Add(new() { Type = new CodeableConcept(ParticipantTypes, "attester", "Attester"), Who = new ResourceReference { Display = c.ClinicianName } });
        }
        return agents;
    }

    private static string Urn(SignedRecord record, string resource)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{record.ConsentId}@{record.StreamVersion}/{resource}"));
        return "urn:uuid:" + new Guid(hash.AsSpan(0, 16));
    }
}
