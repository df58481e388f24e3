using System.Collections.Concurrent;

namespace Consent.Api.Consents;

/// <summary>
/// Tablet sessions seen in the last few seconds, so a tablet's steady stream of requests does not read the same
/// row each time. Safe because every consent request also checks, against the consent's own stored record, that
/// the link is the consent's current one and the consent has not ended: revocation never waits for this cache.
/// </summary>
public sealed class TabletSessionCache
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, (TabletSession Session, DateTimeOffset CachedAt)> _sessions = new(StringComparer.Ordinal);

    public TabletSession? Get(string hash, DateTimeOffset now) =>
        _sessions.TryGetValue(hash, out var entry) && now - entry.CachedAt < Lifetime ? entry.Session : null;

    public void Put(TabletSession session, DateTimeOffset now)
    {
        _sessions[session.Id] = (session, now);
        if (_sessions.Count > 10_000)
        {
            foreach (var stale in _sessions.Where(e => now - e.Value.CachedAt >= Lifetime).Select(e => e.Key).ToList()) _sessions.TryRemove(stale, out _);
        }
    }

    public void Forget(string hash) => _sessions.TryRemove(hash, out _);
}
