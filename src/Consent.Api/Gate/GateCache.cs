using System.Collections.Concurrent;

namespace Consent.Api.Gate;

/// <summary>
/// The gate's inputs kept in memory per clinic, patient and procedure, so that a scheduler's question costs no database
/// round trip. An entry is only as good as this instance's hearing of every change: a change committed here is dropped
/// after its commit and before the writer is answered (so a caller always reads its own writes), and a change committed
/// by another instance arrives as a PostgreSQL notification sent by that same transaction. While no connection listens
/// for those notifications, nothing is kept and every question reads the database.
/// </summary>
/// <param name="listeners">How many databases send notifications (one unless clinics are spread over several): entries are
/// kept only while a connection listens on every one of them.</param>
public sealed class GateCache(int listeners = 1)
{
    /// <summary>The PostgreSQL notification channel; a payload is <c>clinic|consentId</c> (no patient data).</summary>
    public const string Channel = "consent_gate";

    /// <summary>Past this many entries the cache starts again empty: memory stays bounded whatever the traffic.</summary>
    public const int MaxEntries = 100_000;

    private readonly record struct Key(string Clinic, string PatientId, string ProcedureCode);

    private readonly ConcurrentDictionary<Key, GateReader.Inputs> entries = new();
    private readonly ConcurrentDictionary<(string Clinic, string ConsentId), Key> keyOfConsent = new();
    private readonly Lock sync = new();
    private readonly HashSet<string> listeningOn = new(StringComparer.Ordinal);
    private long generation;
    private volatile bool listening;

    public bool IsListening => listening;

    /// <summary>Taken before reading the database; <see cref="Keep"/> refuses a read that a change may have overtaken.</summary>
    public long Generation => Interlocked.Read(ref generation);

    public bool TryGet(string clinic, string patientId, string procedureCode, out GateReader.Inputs inputs)
    {
        inputs = null!;
        return listening && entries.TryGetValue(new Key(clinic, patientId, procedureCode), out inputs!);
    }

    /// <summary>Keeps what was read, unless a change was heard since <paramref name="readAt"/> or nobody is listening.</summary>
    public void Keep(string clinic, string patientId, string procedureCode, GateReader.Inputs inputs, long readAt)
    {
        var key = new Key(clinic, patientId, procedureCode);
        lock (sync)
        {
            if (!listening || generation != readAt) return;
            if (entries.Count >= MaxEntries) Forget();
            foreach (var candidate in inputs.Candidates) keyOfConsent[(clinic, candidate.ConsentId)] = key;
            entries[key] = inputs;
        }
    }

    /// <summary>
    /// A gate-changing event was stored for this consent. A consent not seen yet may be new for a patient and
    /// procedure whose entry says "no consent", so its whole clinic is dropped.
    /// </summary>
    public void Changed(string clinic, string consentId)
    {
        lock (sync)
        {
            generation++;
            if (keyOfConsent.TryGetValue((clinic, consentId), out var key))
            {
                entries.TryRemove(key, out _);
                return;
            }
            foreach (var entry in entries.Keys.Where(k => k.Clinic == clinic)) entries.TryRemove(entry, out _);
        }
    }

    /// <summary>A notification's payload; false when it is not one of ours.</summary>
    public bool Changed(string payload)
    {
        var bar = payload.LastIndexOf('|');
        if (bar <= 0 || bar == payload.Length - 1) return false;
        Changed(payload[..bar], payload[(bar + 1)..]);
        return true;
    }

    public static string Payload(string clinic, string consentId) => $"{clinic}|{consentId}";

    /// <summary>
    /// Whether notifications are being heard. Both ways start empty: what was kept before listening began, or while a
    /// lost connection missed notifications, may be stale.
    /// </summary>
    public void Listening(bool on)
    {
        lock (sync)
        {
            listening = on;
            generation++;
            Forget();
        }
    }

    /// <summary>Whether notifications of one database are being heard; the cache keeps entries only while all are.</summary>
    public void Listening(string database, bool on)
    {
        lock (sync)
        {
            if (on) listeningOn.Add(database);
            else listeningOn.Remove(database);
            listening = listeningOn.Count >= listeners;
            generation++;
            Forget();
        }
    }

    private void Forget()
    {
        entries.Clear();
        keyOfConsent.Clear();
    }
}
