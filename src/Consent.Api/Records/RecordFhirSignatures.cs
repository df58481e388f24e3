using Consent.Contracts.Records;
using Hl7.Fhir.Model;

namespace Consent.Api.Records;

/// <summary>The ASTM E1762 signature types FHIR R4's Signature.type is bound to (preferred binding), with their displays.</summary>
internal static class SignatureTypes
{
    private const string System = "urn:iso-astm:E1762-95:2013";

    public static Coding Author => new(System, "1.2.840.10065.1.12.1.1", "Author's Signature");
    public static Coding Verification => new(System, "1.2.840.10065.1.12.1.5", "Verification Signature");
    public static Coding Consent => new(System, "1.2.840.10065.1.12.1.7", "Consent Signature");
    public static Coding EventWitness => new(System, "1.2.840.10065.1.12.1.9", "Event Witness Signature");

    /// <summary>
    /// What a staff signature means: a countersignature verifies the consent discussion; recording a day-of
    /// reaffirmation witnesses the patient's confirmation; a withdrawal on the patient's behalf is authored by the signer.
    /// </summary>
    public static Coding ForAct(string act) => act switch
    {
        "countersign" => Verification,
        "reaffirm" => EventWitness,
        _ => Author,
    };
}

/// <summary>
/// The people in a record's Provenance: one agent per signer with their role, and one Signature per signature with
/// its meaning (the ASTM type) and, for staff (21 CFR 11.50), the meaning as shown and how they authenticated.
/// </summary>
public static class RecordFhirSignatures
{
    /// <summary>
    /// The Part 11 signature manifest on a staff Signature: <c>act</c> (countersign, reaffirm, withdraw), <c>meaning</c>
    /// (the sentence shown at signing), <c>method</c> (password_reentry or token_auth_time) and <c>authenticatedAt</c>.
    /// FHIR R4's Signature has no element for these, so they travel as one complex extension.
    /// </summary>
    public const string ManifestExtension = "urn:consent:fhir:staff-signature-manifest";

    public const string StaffAccountSystem = "urn:consent:staff-account";
    public const string SignerRoleSystem = "urn:consent:signer-role";
    public const string AuthenticationSystem = "urn:consent:staff-authentication";

    private const string ParticipantTypes = "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

    /// <summary>Each patient-side signature (a consent signature) and each staff signature, in the order they were given.</summary>
    public static IEnumerable<Signature> People(SignedRecord record, Identifier patient)
    {
        ArgumentNullException.ThrowIfNull(record);
        var words = RecordStaffWords.English;
        var signatures = record.Signatures.Select(s => (s.At, Signature: new Signature { Type = [SignatureTypes.Consent], When = s.At, Who = PatientSide(s, patient) }))
            .Concat((record.StaffSignatures ?? []).Select(s => (s.At, Signature: new Signature
            {
                Type = [SignatureTypes.ForAct(s.Act)],
                When = s.At,
                Who = Staff(s),
                Extension =
                [
                    new Extension
                    {
                        Url = ManifestExtension,
                        Extension =
                        [
                            new Extension("act", new Code(s.Act)),
                            new Extension("meaning", new FhirString(s.Meaning)),
                            new Extension("method", new Coding(AuthenticationSystem, s.AuthMethod, words.Auth(s.AuthMethod))),
                            new Extension("authenticatedAt", new FhirDateTime(s.AuthenticatedAt)),
                        ],
                    },
                ],
            })));
        return signatures.OrderBy(s => s.At).Select(s => s.Signature);
    }

    /// <summary>One agent per signer: the patient or representative (author), and each staff account in its role.</summary>
    public static List<Provenance.AgentComponent> Signers(SignedRecord record, Identifier patient)
    {
        ArgumentNullException.ThrowIfNull(record);
        var agents = new List<Provenance.AgentComponent>();
        foreach (var signer in record.Signatures.DistinctBy(s => (s.SignerRole, s.SignerName, s.Relationship)))
        {
            agents.Add(new()
            {
                Type = new CodeableConcept(ParticipantTypes, "author", "Author"),
                Role = [Role(signer.SignerRole, signer.Relationship is null ? signer.SignerRole : $"{signer.SignerRole} ({signer.Relationship})")],
                Who = PatientSide(signer, patient),
            });
        }
        foreach (var acts in (record.StaffSignatures ?? []).GroupBy(s => s.AccountId))
        {
            var first = acts.First();
            // A countersigning clinician attests the consent; one who recorded a reaffirmation verified it; otherwise they wrote the act.
            var type = acts.Any(s => s.Act == "countersign") ? ("attester", "Attester")
                : acts.Any(s => s.Act == "reaffirm") ? ("verifier", "Verifier") : ("author", "Author");
            var agent = new Provenance.AgentComponent { Type = new CodeableConcept(ParticipantTypes, type.Item1, type.Item2), Who = Staff(first) };
            if (RecordStaffRoles.RoleOf(record, first) is { } role) agent.Role = [Role(role, role)];
            agents.Add(agent);
        }
        return agents;
    }

    private static CodeableConcept Role(string code, string text) => new(SignerRoleSystem, code, code) { Text = text };

    private static ResourceReference PatientSide(RecordSignature signature, Identifier patient) => signature.SignerRole == "patient"
        ? new ResourceReference { Identifier = patient, Display = signature.SignerName }
        : new ResourceReference { Display = signature.Relationship is null ? signature.SignerName : $"{signature.SignerName} ({signature.Relationship})" };

    private static ResourceReference Staff(RecordStaffSignature signature) =>
        new() { Identifier = new Identifier(StaffAccountSystem, signature.AccountId), Display = signature.SignerName };
}
