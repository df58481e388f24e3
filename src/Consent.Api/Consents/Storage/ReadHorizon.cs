namespace Consent.Api.Consents.Storage;

/// <summary>
/// How far the event table may be read in global order without missing a row that commits late (see
/// <see cref="EventLog"/>): an observed highest sequence becomes safe once none of the transactions that held the
/// sequence when it was observed is still running.
/// </summary>
public sealed class ReadHorizon(long start)
{
    private readonly List<(long Highest, IReadOnlySet<string> Holders)> _pending = [];

    public long Safe { get; private set; } = start;

    /// <summary>Takes a new observation; returns the safe position after it.</summary>
    public long Advance((long Highest, IReadOnlySet<string> Holders) now)
    {
        _pending.Add(now);
        foreach (var seen in _pending.Where(p => !p.Holders.Overlaps(now.Holders)).ToList())
        {
            Safe = Math.Max(Safe, seen.Highest);
            _pending.Remove(seen);
        }
        return Safe;
    }
}
