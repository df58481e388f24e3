using GateReasons = Consent.Contracts.GateReasons;
using Consent.Workflows.Runtime;

namespace Consent.Api.Gate;

/// <summary>One consent for the patient and procedure asked about, with what its workflow version demands.</summary>
public sealed record GateCandidate(string ConsentId, ConsentState State, TimeSpan? ReaffirmationWindow)
{
    /// <summary>False when the stored row does not match the service's signed head (see <c>SignedHeads</c>): the gate then fails closed.</summary>
    public bool Authentic { get; init; } = true;
}

public sealed record GateAnswer(bool Allowed, string Reason, string? ConsentId, DateTimeOffset? ValidFrom, DateTimeOffset? ValidUntil)
{
    public static readonly GateAnswer NoConsent = new(false, GateReasons.NoConsent, null, null, null);
}

/// <summary>
/// The scheduling gate's rules, pure: may a procedure take place at <c>at</c> for this patient? Each consent's
/// current state is judged at that time; a later change (a withdrawal) therefore also closes times already asked about.
/// </summary>
public static class GateRules
{
    /// <summary>
    /// Allowed when any consent allows it (the one valid longest wins). Otherwise the most recently started consent
    /// explains why not, because that is the one a coordinator is working on.
    /// </summary>
    public static GateAnswer Evaluate(IEnumerable<GateCandidate> candidates, DateTimeOffset at)
    {
        var answers = candidates.Select(c => (Candidate: c, Answer: For(c, at))).ToList();
        if (answers.Count == 0) return GateAnswer.NoConsent;
        // Any consent of the patient and procedure whose stored row cannot be trusted closes the gate until someone has looked.
        if (answers.FirstOrDefault(a => !a.Candidate.Authentic).Candidate is { } forged) return new GateAnswer(false, GateReasons.IntegrityError, forged.ConsentId, null, null);
        var allowed = answers.Where(a => a.Answer.Allowed).Select(a => a.Answer).ToList();
        if (allowed.Count > 0) return allowed.MaxBy(a => a.ValidUntil)!;
        return answers.OrderByDescending(a => a.Candidate.State.CreatedAt).ThenByDescending(a => a.Candidate.ConsentId, StringComparer.Ordinal).First().Answer;
    }

    public static GateAnswer For(GateCandidate candidate, DateTimeOffset at)
    {
        var state = candidate.State;
        var id = candidate.ConsentId;
        GateAnswer Closed(string reason) => new(false, reason, id, null, null);
        GateAnswer Window(bool allowed, string reason) => new(allowed, reason, id, state.ValidFrom, state.ValidUntil);

        return state.Status switch
        {
            ConsentStatus.Granted when at < state.ValidFrom => Window(false, GateReasons.CoolingOff),
            ConsentStatus.Granted when at >= state.ValidUntil => Window(false, GateReasons.Expired),
            ConsentStatus.Granted when candidate.ReaffirmationWindow is { } window && !state.Reaffirmations.Any(r => r <= at && at - r <= window)
                => Window(false, GateReasons.ReaffirmationRequired),
            ConsentStatus.Granted => Window(true, GateReasons.Granted),
            ConsentStatus.Expired => Closed(GateReasons.Expired),
            ConsentStatus.Withdrawn => Closed(GateReasons.Withdrawn),
            ConsentStatus.Superseded => Closed(GateReasons.ReconsentRequired),
            ConsentStatus.Declined => Closed(GateReasons.Declined),
            _ => Closed(GateReasons.ConsentPending),
        };
    }

    /// <summary>
    /// The stored events after which the gate may answer differently. Each one is published as a
    /// SchedulingGateChanged whose sequence is the event's global position, so sequences only grow.
    /// </summary>
    public static readonly IReadOnlySet<Type> ChangingTypes = new HashSet<Type>
    {
        typeof(ConsentStarted), typeof(ConsentGranted), typeof(ConsentDeclined), typeof(CoolingOffEnded),
        typeof(ConsentReaffirmed), typeof(ConsentExpired), typeof(ConsentWithdrawn), typeof(ConsentSuperseded),
    };

    public static bool Changes(ConsentEvent e) => ChangingTypes.Contains(e.GetType());

    /// <summary>The stored names of the events that change the gate, which are also the only ones that publish.</summary>
    public static readonly string[] ChangingTypeNames = [.. ChangingTypes.Select(Consents.Storage.MartenTables.StoredTypeName)];
}
