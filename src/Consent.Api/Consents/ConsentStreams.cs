using System.Security.Cryptography;
using System.Text;
using Consent.Api.Consents.Integrity;
using Consent.Api.Tablet;
using Consent.Workflows.Runtime;
using JasperFx;
using JasperFx.Events;
using Marten;

namespace Consent.Api.Consents;

/// <summary>Who did something, as recorded on every event: never a name or other personal data.</summary>
public sealed record Actor(string Subject, string Role, string Device, string IpHash)
{
    /// <summary>The device session: its declared id, or its address hash when it declares none.</summary>
    public string DeviceKey => Device == "unknown" ? "ip:" + IpHash : Device;

    public IReadOnlyDictionary<string, string> Metadata(DateTimeOffset at) => new Dictionary<string, string>
    {
        ["actor"] = Subject,
        ["role"] = Role,
        ["device"] = Device,
        ["ipHash"] = IpHash,
        ["at"] = at.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    };

    public static Actor From(HttpContext http)
    {
        // A tablet page's session names its device itself; API callers may declare theirs.
        var device = http.User.FindFirst(Tablet.TabletAuthenticationHandler.DeviceClaim)?.Value ?? http.Request.Headers["X-Device-Id"].ToString();
        if (device.Length is 0 or > 64 || !device.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) device = "unknown";
        // A hash, not the address: enough to tell devices apart in an investigation, useless to re-identify a person.
        var ip = http.Connection.RemoteIpAddress?.ToString() ?? "";
        var ipHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("consent-ip|" + ip)))[..16];
        return new Actor(
            http.User.FindFirst(Auth.StaffRoles.SubjectClaim)?.Value ?? "anonymous",
            http.User.FindFirst(Auth.StaffRoles.RoleClaim)?.Value ?? "none",
            device, ipHash);
    }
}

/// <summary>
/// The whole write path for a consent: read its stream, fold it, append new events at the expected version with
/// each event's place in the tamper-evident chain. Marten's stream version check makes concurrent writers safe.
/// </summary>
public static class ConsentStreams
{
    public const string HashHeader = "hash";
    public const string PrevHashHeader = "prevHash";

    /// <summary>
    /// The consent as of its last stored event, read from its projection row (one row, not the whole stream). The
    /// row is written in the same transaction as the events, and the append still checks the stream version, so a
    /// stale read can only lose a race, never write over one.
    /// </summary>
    public static async Task<ConsentRecord?> LoadAsync(IQuerySession session, string id, CancellationToken ct) =>
        (await session.LoadAsync<ConsentSummary>(id, ct))?.Record;

    /// <summary>The consent folded from its stored events: the source of truth the projection is checked against.</summary>
    public static async Task<ConsentRecord?> ReplayAsync(IQuerySession session, string id, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(id, token: ct);
        if (events.Count == 0) return null;
        var record = ConsentRecord.None;
        foreach (var e in events)
        {
            if (e.Data is not ConsentEvent data) continue;
            record = record.Apply(data) with { LastHash = e.Headers?.GetValueOrDefault(HashHeader)?.ToString() ?? record.LastHash };
        }
        return record;
    }

    /// <summary>Appends <paramref name="events"/> after <paramref name="record"/>'s version; returns the record they make.</summary>
    public static ConsentRecord Append(IDocumentSession session, ConsentRecord record, Actor actor, IReadOnlyList<ConsentEvent> events, string streamId)
    {
        if (events.Count == 0) return record;
        var action = record.Exists
            ? session.Events.Append(streamId, record.Version + events.Count, events.Cast<object>().ToArray())
            : session.Events.StartStream(streamId, events.Cast<object>().ToArray());
        var serializer = session.DocumentStore.Options.Serializer();
        var prev = record.LastHash;
        var seq = record.Version;
        for (var i = 0; i < events.Count; i++)
        {
            var stored = action.Events[i];
            var metadata = actor.Metadata(events[i].At);
            var hash = EventChain.Hash(prev, ++seq, stored.EventTypeName, serializer.ToJson(events[i]), metadata);
            foreach (var (key, value) in metadata) stored.SetHeader(key, value);
            stored.SetHeader(PrevHashHeader, prev);
            stored.SetHeader(HashHeader, hash);
            prev = hash;
            record = record.Apply(events[i]) with { LastHash = hash };
        }
        return record;
    }

    /// <summary>Another writer appended to the stream first: the loser's transaction stored nothing.</summary>
    public static bool IsLostRace(Exception ex) => ex is ConcurrencyException or EventStreamUnexpectedMaxEventIdException;

    /// <summary>
    /// The service's own change to one consent (a timer firing, a newly published version): decide on the stored
    /// state and append in one transaction, revoking the tablet link when the consent ends. False when there was
    /// nothing to do or someone changed the consent first; the caller's next round sees the new state.
    /// </summary>
    public static async Task<bool> ApplySystemDecisionAsync(
        IDocumentStore store, string clinic, string id, Actor actor, DateTimeOffset now, Func<ConsentRecord, Decision?> decide, CancellationToken ct)
    {
        await using var session = store.LightweightSession(clinic);
        var record = await LoadAsync(session, id, ct);
        if (record is null || decide(record) is not { Accepted: true, Events.IsDefaultOrEmpty: false } decision) return false;
        var after = Append(session, record, actor, decision.Events, id);
        await TabletLinks.RevokeWhenFinishedAsync(session, after, now, ct);
        try
        {
            await session.SaveChangesAsync(ct);
            return true;
        }
        catch (Exception ex) when (IsLostRace(ex))
        {
            return false;
        }
    }
}
