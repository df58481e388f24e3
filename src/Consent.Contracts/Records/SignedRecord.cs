using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Consent.Contracts.Records;

/// <summary>
/// The consent record as signed: what the patient read and answered, in the language they signed in, who signed
/// and when, and the stored events it was built from with their hashes. The service serialises it once and signs
/// those exact bytes (a compact JWS, <c>typ</c> <see cref="JwsType"/>); a verifier needs only the bytes, the JWS
/// and the published keys.
/// </summary>
public sealed record SignedRecord
{
    public const string CurrentFormat = "consent-record/1";
    public const string JwsType = "consent-record+jws";

    public string Format { get; init; } = CurrentFormat;
    public string ConsentId { get; init; } = "";
    public string ClinicId { get; init; } = "";
    public string PatientId { get; init; } = "";
    public string ProcedureCode { get; init; } = "";
    public RecordWorkflow Workflow { get; init; } = new("", 0, "", "");
    /// <summary>The language the consent was signed (or ended) in; every text below is in it.</summary>
    public string Locale { get; init; } = "";
    /// <summary>The consent's status as of <see cref="StreamVersion"/>, in the API's words (granted, withdrawn…).</summary>
    public string Status { get; init; } = "";
    /// <summary>How many stored events the record covers: it is the record "as of" the last of them.</summary>
    public long StreamVersion { get; init; }
    public DateTimeOffset AsOf { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? GrantedAt { get; init; }
    public DateTimeOffset? ValidFrom { get; init; }
    public DateTimeOffset? ValidUntil { get; init; }
    public RecordRepresentative? Representative { get; init; }
    public IReadOnlyList<RecordStep> Steps { get; init; } = [];
    public IReadOnlyList<RecordSignature> Signatures { get; init; } = [];
    public RecordCountersignature? Countersignature { get; init; }
    /// <summary>Staff electronic signatures (countersign, reaffirm, withdraw): who, the meaning, how they authenticated; none in older records.</summary>
    public IReadOnlyList<RecordStaffSignature>? StaffSignatures { get; init; }
    /// <summary>How the consent ended, when it did otherwise than by being granted.</summary>
    public RecordEnding? Ending { get; init; }
    public RecordPresentation Presentation { get; init; } = new("UTC", "", "");
    public RecordChain Chain { get; init; } = new("", []);
}

public sealed record RecordWorkflow(string Id, int Version, string ContentHash, string Title);

public sealed record RecordRepresentative(string Name, string Relationship);

/// <summary>
/// One step as the patient saw it (title and body exactly as rendered, Markdown) and every answer given to it, in
/// order. <see cref="Options"/> are a quiz's or choice's options in the order they were shown.
/// </summary>
public sealed record RecordStep(string Id, string Type, string Title, string Body, IReadOnlyList<RecordOption>? Options, IReadOnlyList<RecordAnswer> Answers);

public sealed record RecordOption(string Id, string Label);

/// <summary>
/// One thing the patient did on a step. <see cref="Kind"/>: read, reopened, risk_acknowledged, quiz_answered,
/// quiz_attempts_exhausted, choice_made, provision_answered, decision_requested, decision_recorded, signed.
/// <see cref="Value"/> is the option id, the initials, or yes/no; <see cref="Label"/> the words shown for it.
/// </summary>
public sealed record RecordAnswer(string Kind, DateTimeOffset At, string? Value = null, string? Label = null, bool? Correct = null, int? Attempt = null);

/// <summary>A signature: who, in which role, the statement exactly as shown and signed, and the drawn image (a PNG data URL).</summary>
public sealed record RecordSignature(
    string StepId, string SignerRole, string SignerName, string? Relationship, string Statement, string StatementSha256,
    string SignatureImage, string SignatureSha256, DateTimeOffset At);

public sealed record RecordCountersignature(string ClinicianName, DateTimeOffset At);

/// <summary>
/// A staff member's signature manifest (21 CFR 11.50): the act signed (countersign, reaffirm, withdraw), the account and
/// its name, the meaning shown at signing, and how they authenticated (password_reentry, token_auth_time or oidc_reauthentication) and when.
/// <see cref="Role"/> is the signer's role (clinician, coordinator) as recorded on the event; records made before it was
/// copied here carry it only in their chain (<see cref="RecordStaffRoles"/> reads either).
/// </summary>
public sealed record RecordStaffSignature(
    string Act, string AccountId, string SignerName, string Meaning, string AuthMethod, DateTimeOffset AuthenticatedAt, DateTimeOffset At, string? Role = null);

/// <summary><see cref="Status"/> is declined, withdrawn, expired or superseded; <see cref="Reason"/> a code where one was given.</summary>
public sealed record RecordEnding(string Status, DateTimeOffset At, string? Reason);

/// <summary>
/// What the reader needs to read and check the record: the clinic's time zone (IANA) for local times, its name,
/// and where the service publishes its public keys.
/// </summary>
/// <paramref name="CareTeamPhone"/> is the number the patient calls with questions (the clinic profile's contacts.main), if known.
public sealed record RecordPresentation(string TimeZone, string ClinicName, string KeysUrl, string? CareTeamPhone = null);

/// <summary>The events the record was built from, as stored, with their place in the hash chain; <see cref="Head"/> is the last hash.</summary>
public sealed record RecordChain(string Head, IReadOnlyList<RecordEvent> Events);

/// <summary>One stored event: its position, type name, data and metadata exactly as hashed, and the hashes.</summary>
public sealed record RecordEvent(long Seq, string Type, JsonElement Data, IReadOnlyDictionary<string, string> Metadata, string PrevHash, string Hash);

/// <summary>The one way a record becomes bytes and back.</summary>
public static class RecordJson
{
    /// <summary>
    /// Web defaults (camelCase), with letters of every script written as themselves so that a Spanish record reads
    /// as Spanish in any text editor; characters that matter to HTML are still escaped.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[] ToUtf8(SignedRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Options);

    public static SignedRecord? FromUtf8(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize<SignedRecord>(json, Options);
}
