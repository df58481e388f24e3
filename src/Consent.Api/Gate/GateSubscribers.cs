namespace Consent.Api.Gate;

/// <summary>A downstream system that applies gate changes for one clinic, known by the <c>sub</c> of its integration token.</summary>
public sealed record GateSubscriber(string Name, string Clinic, string Subject);

/// <summary>
/// The registered gate subscribers (<c>Gate:Subscribers:N:Name</c>, <c>:Clinic</c>, <c>:Subject</c>). A confirmation is
/// bound to the caller's token: a subscriber can only ever confirm for itself, so one integration cannot make another's
/// withdrawal look confirmed. Read once at start; an entry missing a field stops the service rather than being guessed.
/// </summary>
public sealed class GateSubscribers
{
    private readonly List<GateSubscriber> _all;

    public GateSubscribers(IConfiguration configuration)
    {
        var all = new List<GateSubscriber>();
        foreach (var entry in configuration.GetSection("Gate:Subscribers").GetChildren())
        {
            string Field(string name) => entry[name] is { Length: > 0 } value
                ? value
                : throw new InvalidOperationException($"Gate:Subscribers:{entry.Key}:{name} is not set: every subscriber names its Name, Clinic and Subject (its token's sub).");
            all.Add(new GateSubscriber(Field("Name"), Field("Clinic"), Field("Subject")));
        }
        var clash = all.GroupBy(s => (s.Clinic, s.Name)).Concat(all.GroupBy(s => (s.Clinic, s.Subject))).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null) throw new InvalidOperationException($"Gate:Subscribers registers '{clash.Key.Item2}' twice for clinic '{clash.Key.Clinic}'.");
        _all = all;
    }

    public bool Any => _all.Count > 0;

    /// <summary>The clinic's subscribers, by name.</summary>
    public IReadOnlyList<GateSubscriber> Of(string clinic) =>
        [.. _all.Where(s => s.Clinic == clinic).OrderBy(s => s.Name, StringComparer.Ordinal)];

    /// <summary>The subscriber the caller's token stands for in its clinic, if any.</summary>
    public GateSubscriber? ForSubject(string clinic, string subject) =>
        _all.FirstOrDefault(s => s.Clinic == clinic && s.Subject == subject);
}
