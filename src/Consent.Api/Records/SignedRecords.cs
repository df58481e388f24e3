using System.Buffers.Text;
using Consent.Api.Auditing;
using Consent.Api.Consents;
using Consent.Api.Hosting;
using Consent.Api.Signing;
using Consent.Api.Workflows;
using Consent.Contracts.Records;
using Marten;
using Consent.Workflows.Runtime;
using JasperFx;

namespace Consent.Api.Records;

/// <summary>
/// A signed record as first issued for one stream version (<c>{consentId}@{version}</c>): ECDSA signatures differ
/// at every signing, so the record of a version is signed once and every later download (JSON, PDF, FHIR) carries
/// those same bytes and that same JWS. The payload is the JWS's own; nothing else is kept.
/// </summary>
public sealed class StoredConsentRecord
{
    public string Id { get; set; } = "";
    public string ConsentId { get; set; } = "";
    public long StreamVersion { get; set; }
    public string Jws { get; set; } = "";
    public DateTimeOffset SignedAt { get; set; }

    public static string IdFor(string consentId, long version) => $"{consentId}@{version}";
}

/// <summary>A record ready to hand out: the signed bytes, the JWS over them, and the record they hold.</summary>
public sealed record IssuedRecord(byte[] Payload, string Jws, SignedRecord Record);

/// <summary>The record, or why the caller gets none.</summary>
public sealed record RecordLookup(IssuedRecord? Issued, IResult? Refusal);

/// <summary>
/// Issues records on demand, off the step's write path: a step stores its events and nothing else; the first
/// download of a version builds, signs and keeps its record, later ones read it back. Every download is written
/// to the access log.
/// </summary>
public sealed class SignedRecords(IDocumentStore store, Consents.Storage.MartenTables log, PublishedWorkflows workflows, ServiceSigner signer, ClinicValuesSource clinics, IConfiguration configuration, TimeProvider clock)
{
    public async Task<RecordLookup> GetAsync(HttpContext http, string id, string what)
    {
        ArgumentNullException.ThrowIfNull(http);
        var clinic = http.User.FindFirst(Auth.StaffRoles.ClinicClaim)!.Value;
        var ct = http.RequestAborted;
        await using var session = store.LightweightSession(clinic);
        var consent = await ConsentStreams.LoadAsync(session, id, ct);
        if (ConsentResults.OutOfScope(http, id, consent) is { } refusal) return new RecordLookup(null, refusal);
        if (!RecordBuilder.HasRecord(consent!))
        {
            return new RecordLookup(null, Problems.Field(StatusCodes.Status409Conflict, "status",
                $"The consent is {consent!.Runtime.Status.ToContract()}: it has a record once it is signed, declined, withdrawn, expired or superseded."));
        }

        var issued = await session.LoadAsync<StoredConsentRecord>(StoredConsentRecord.IdFor(id, consent!.Version), ct) is { } kept
            ? Read(kept.Jws)
            : await IssueAsync(session, http, id, ct);
        if (issued.Issued is null) return issued;

        var actor = Actor.From(http);
        session.Store(new AccessRecord { Id = Guid.NewGuid(), ConsentId = id, Actor = actor.Subject, Role = actor.Role, What = what, At = clock.GetUtcNow() });
        await session.SaveChangesAsync(ct);
        return issued;
    }

    private async Task<RecordLookup> IssueAsync(IDocumentSession session, HttpContext http, string id, CancellationToken ct)
    {
        // The chain as PostgreSQL holds it (data and headers as stored, what verify reads), joined by position with
        // the events Marten reads back for the fold.
        var clinic = http.User.FindFirst(Auth.StaffRoles.ClinicClaim)!.Value;
        var stored = await session.Events.FetchStreamAsync(id, token: ct);
        if (await log.ReadChainAsync(clinic, id, ct) is not { } chain || chain.Links.Count != stored.Count)
        {
            return new RecordLookup(null, Problems.Field(StatusCodes.Status409Conflict, "chain", "The consent's stored events changed while its record was read; try again."));
        }
        var links = chain.Links.ToDictionary(l => l.Seq);
        var events = new List<StoredEvent>(stored.Count);
        foreach (var e in stored)
        {
            if (e.Data is ConsentEvent data && links.TryGetValue(e.Version, out var link))
            {
                events.Add(new StoredEvent(link.Seq, link.Type, data, link.DataJson, link.Metadata, link.PrevHash, link.Hash));
            }
        }
        var consent = RecordBuilder.Fold(events);
        if (workflows.Catalog.Find(consent.Runtime.WorkflowId, consent.Runtime.WorkflowVersion) is not { } definition)
        {
            return new RecordLookup(null, Problems.Field(StatusCodes.Status409Conflict, "workflow",
                $"Workflow {consent.Runtime.WorkflowId} v{consent.Runtime.WorkflowVersion} is no longer published here; its text cannot be shown."));
        }
        var hashes = consent.Runtime.Signatures.Select(s => s.SignatureSha256).Distinct().ToArray();
        var images = (await session.LoadManyAsync<SignatureImage>(ct, hashes))
            .Where(i => i.ConsentId == id).ToDictionary(i => i.Id, i => "data:image/png;base64," + i.PngBase64, StringComparer.Ordinal);
        var record = RecordBuilder.Build(events, definition, images, clinics.For(consent.ClinicId), KeysUrl(http));

        // The service signs only a chain that holds: a record must never vouch for events edited in the database.
        if (ChainHash.Problem(record.Chain, record.StreamVersion) is { } broken)
        {
            return new RecordLookup(null, Problems.Field(StatusCodes.Status409Conflict, "chain", $"The stored events do not hold together ({broken}); no record is signed."));
        }
        var payload = RecordJson.ToUtf8(record);
        var jws = signer.Sign(payload, SignedRecord.JwsType);
        await using var write = store.LightweightSession(consent.ClinicId);
        write.Insert(new StoredConsentRecord { Id = StoredConsentRecord.IdFor(id, record.StreamVersion), ConsentId = id, StreamVersion = record.StreamVersion, Jws = jws, SignedAt = clock.GetUtcNow() });
        try
        {
            await write.SaveChangesAsync(ct);
            return new RecordLookup(new IssuedRecord(payload, jws, record), null);
        }
        catch (DocumentAlreadyExistsException)
        {
            // Another download of the same version signed first: everyone gets that one.
            var first = await session.LoadAsync<StoredConsentRecord>(StoredConsentRecord.IdFor(id, record.StreamVersion), ct);
            return Read(first!.Jws);
        }
    }

    private static RecordLookup Read(string jws)
    {
        var payload = Base64Url.DecodeFromChars(jws.AsSpan(jws.IndexOf('.', StringComparison.Ordinal) + 1, jws.LastIndexOf('.') - jws.IndexOf('.', StringComparison.Ordinal) - 1));
        return new RecordLookup(new IssuedRecord(payload, jws, RecordJson.FromUtf8(payload)!), null);
    }

    /// <summary>The service's public address: <c>Records:PublicBaseUrl</c>, else the one the request came to.</summary>
    public string BaseUrl(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return configuration["Records:PublicBaseUrl"] is { Length: > 0 } baseUrl ? baseUrl.TrimEnd('/') : $"{http.Request.Scheme}://{http.Request.Host}";
    }

    private string KeysUrl(HttpContext http) => BaseUrl(http) + SigningSetup.KeySetPath;
}
