using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Consent.Contracts.Signatures;
using Consent.Workflows.Runtime;

namespace Consent.Api.Consents.Integrity;

/// <summary>
/// The hash chain keyed with a key PostgreSQL never holds (docs/adr/0001): every stored event carries, in its
/// <see cref="Header"/> header, a detached ES256 signature over its stream's head right after it: clinic, consent,
/// version, chain hash, and a digest of what the gate reads from the consent (<see cref="GateDigest"/>). A database
/// writer can recompute an unkeyed chain, and can edit the projection row the gate reads, but cannot sign either.
/// The header is not part of the chain hash it signs.
/// </summary>
public static class SignedHeads
{
    public const string Header = "headSignature";
    public const string Type = "consent-head+jws";

    /// <summary>The bytes a head signature covers.</summary>
    public static byte[] Payload(string clinic, string consentId, long version, string hash, string gateDigest) =>
        Encoding.UTF8.GetBytes(string.Join('\n', "consent-head/1", clinic, consentId, version.ToString(CultureInfo.InvariantCulture), hash, gateDigest));

    /// <summary>Whether <paramref name="signature"/> is the service's signature over the head of <paramref name="record"/> (folded to its version).</summary>
    public static bool Holds(string? signature, string clinic, ConsentRecord record, ConsentKeys keys) =>
        Holds(signature, clinic, record.Id, record.Version, record.LastHash, GateDigest(record.PatientId, record.ProcedureCode, record.Runtime), keys);

    public static bool Holds(string? signature, string clinic, string consentId, long version, string hash, string gateDigest, ConsentKeys keys) =>
        signature is not null && Jws.TryVerifyDetached(signature, Payload(clinic, consentId, version, hash, gateDigest), keys, Type, out _);

    /// <summary>
    /// A digest of every field the gate's rules and its lookup read from a consent: patient, procedure, status, the
    /// times that bound the grant, reaffirmations and the workflow version (which fixes the reaffirmation window).
    /// </summary>
    public static string GateDigest(string patientId, string procedureCode, ConsentState state)
    {
        static string Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) ?? "";
        var text = string.Join('\n',
            patientId, procedureCode, state.Status.ToContract(), Time(state.CreatedAt), Time(state.ValidFrom), Time(state.ValidUntil),
            string.Join(',', state.Reaffirmations.Select(r => Time(r))), state.WorkflowId, state.WorkflowVersion.ToString(CultureInfo.InvariantCulture));
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
