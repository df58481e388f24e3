using System.Linq.Expressions;
using Consent.Api.Consents;
using Consent.Api.Gate;
using Consent.Workflows.Runtime;
using Marten;

namespace Consent.Api.Dashboard;

/// <summary>One thing a consent needs from staff, and since when.</summary>
public sealed record WorklistItem(string Kind, ConsentSummary Consent, DateTimeOffset Since, string? Detail);

/// <summary>The clinic's work queue: how many of each kind, and every item, most urgent kind first and oldest first within it.</summary>
public sealed record WorklistView(IReadOnlyList<(string Kind, string Label, int Count)> Counts, IReadOnlyList<WorklistItem> Items);

/// <summary>
/// What the clinic's staff have to do now, read from the consents' projection rows: a person at a tablet who said
/// "this is not me", a patient waiting with a question, a procedure soon that the gate does not allow yet, a
/// countersignature, a withdrawal a subscriber has not confirmed, a consent stalled on the tablet. One rule per kind,
/// used by the queue, its counts and the list's "needs me now" filter.
/// </summary>
public sealed class Worklist(IDocumentStore store, GateReader gate, GateAckReader acks, IConfiguration configuration)
{
    /// <summary>The kinds, most urgent first: someone is waiting at a tablet for the first two.</summary>
    public static readonly IReadOnlyList<(string Kind, string Label)> Kinds =
    [
        ("identity", "Not the right patient at the tablet"),
        ("questions", "A question was raised"),
        ("soon", "Procedure soon, gate not yet allowing it"),
        ("countersign", "Awaiting countersignature"),
        ("unconfirmed", "Withdrawal not confirmed by every subscriber"),
        ("stalled", "Stalled"),
    ];

    // Each kind looks at no more rows than a clinic's day can hold; the counts say when there are more.
    private const int PerKind = 100;

    public TimeSpan SoonWithin => TimeSpan.FromHours(configuration.GetValue("Dashboard:SoonHours", 48));
    public TimeSpan StalledAfter => TimeSpan.FromMinutes(configuration.GetValue("Dashboard:StalledMinutes", 30));

    /// <summary>Not finished, and nothing has happened for longer than <see cref="StalledAfter"/>.</summary>
    public Expression<Func<ConsentSummary, bool>> Stalled(DateTimeOffset now)
    {
        var open = new[] { ConsentStatus.Pending.ToContract(), ConsentStatus.InProgress.ToContract() };
        var before = now - StalledAfter;
        return s => s.Status.IsOneOf(open) && s.UpdatedAt < before;
    }

    /// <summary>Booked within <see cref="SoonWithin"/> and not ended: the gate is then asked for each booked time.</summary>
    public Expression<Func<ConsentSummary, bool>> BookedSoon(DateTimeOffset now)
    {
        var until = now + SoonWithin;
        var ended = Enum.GetValues<ConsentStatus>().Where(x => x.IsFinal()).Select(x => x.ToContract()).ToArray();
        return s => s.Record.ScheduledFor >= now && s.Record.ScheduledFor <= until && !s.Status.IsOneOf(ended);
    }

    /// <summary>The patient at the tablet said "this is not me", and no new link was issued since.</summary>
    public static Expression<Func<ConsentSummary, bool>> WrongPatient() => s => s.Record.IdentityRejectedAt != null;

    /// <summary>Withdrawn within a week: each is then checked against the subscribers' confirmations.</summary>
    public static Expression<Func<ConsentSummary, bool>> RecentlyWithdrawn(DateTimeOffset now)
    {
        var withdrawn = ConsentStatus.Withdrawn.ToContract();
        var weekAgo = now.AddDays(-7);
        return s => s.Status == withdrawn && s.UpdatedAt >= weekAgo;
    }

    public async Task<bool> NotAllowedAtBookingAsync(string clinic, ConsentSummary c, CancellationToken ct) =>
        !GateRules.Evaluate((await gate.ReadAsync(clinic, c.PatientId, c.ProcedureCode, ct)).Candidates, c.Record.ScheduledFor!.Value).Allowed;

    public async Task<bool> WithdrawalUnconfirmedAsync(string clinic, ConsentSummary c, CancellationToken ct) =>
        !(await acks.ForConsentAsync(clinic, c, ct)).WithdrawalConfirmed;

    public async Task<WorklistView> ReadAsync(string clinic, DateTimeOffset now, CancellationToken ct)
    {
        await using var session = store.QuerySession(clinic);
        var discussing = ConsentStatus.NeedsDiscussion.ToContract();
        var countersigning = ConsentStatus.AwaitingCountersign.ToContract();
        // Every kind's candidates in one round trip; what a kind then asks about each candidate follows.
        var batch = session.CreateBatchQuery();
        var wrongPatient = batch.Query<ConsentSummary>().Where(WrongPatient()).OrderBy(s => s.UpdatedAt).Take(PerKind).ToList();
        var questions = batch.Query<ConsentSummary>().Where(s => s.Status == discussing).OrderBy(s => s.UpdatedAt).Take(PerKind).ToList();
        var bookedSoon = batch.Query<ConsentSummary>().Where(BookedSoon(now)).OrderBy(s => s.Record.ScheduledFor).Take(PerKind).ToList();
        var countersigns = batch.Query<ConsentSummary>().Where(s => s.Status == countersigning).OrderBy(s => s.UpdatedAt).Take(PerKind).ToList();
        var withdrawn = batch.Query<ConsentSummary>().Where(RecentlyWithdrawn(now)).OrderBy(s => s.UpdatedAt).Take(PerKind).ToList();
        var stalled = batch.Query<ConsentSummary>().Where(Stalled(now)).OrderBy(s => s.UpdatedAt).Take(PerKind).ToList();
        await batch.Execute(ct);
        var items = new List<WorklistItem>();

        foreach (var c in await wrongPatient)
        {
            items.Add(new WorklistItem("identity", c, c.Record.IdentityRejectedAt!.Value, "\"This is not me\" on the tablet: check the patient, then issue a new tablet link."));
        }
        foreach (var c in await questions)
        {
            // The question's own event says what was asked and since when; a handful of patients wait at a time.
            var events = await session.Events.FetchStreamAsync(c.Id, token: ct);
            var question = events.Select(e => e.Data).OfType<QuestionRaised>().LastOrDefault();
            items.Add(new WorklistItem("questions", c, question?.At ?? c.UpdatedAt, question?.Text));
        }
        foreach (var c in await bookedSoon)
        {
            if (await NotAllowedAtBookingAsync(clinic, c, ct)) items.Add(new WorklistItem("soon", c, c.Record.ScheduledFor!.Value, null));
        }
        foreach (var c in await countersigns)
        {
            items.Add(new WorklistItem("countersign", c, c.UpdatedAt, null));
        }
        foreach (var c in await withdrawn)
        {
            if (await WithdrawalUnconfirmedAsync(clinic, c, ct)) items.Add(new WorklistItem("unconfirmed", c, c.UpdatedAt, null));
        }
        foreach (var c in await stalled)
        {
            items.Add(new WorklistItem("stalled", c, c.UpdatedAt, null));
        }
        var counts = Kinds.Select(k => (k.Kind, k.Label, items.Count(i => i.Kind == k.Kind))).ToList();
        var order = Kinds.Select((k, i) => (k.Kind, i)).ToDictionary(x => x.Kind, x => x.i);
        return new WorklistView(counts, [.. items.OrderBy(i => order[i.Kind]).ThenBy(i => i.Since)]);
    }

    /// <summary>How long someone has waited, as staff say it: "4 min", "2 h 5 min", "3 days".</summary>
    public static string Waited(TimeSpan span)
    {
        if (span < TimeSpan.FromMinutes(1)) return "under a minute";
        if (span < TimeSpan.FromHours(1)) return $"{(int)span.TotalMinutes} min";
        if (span < TimeSpan.FromDays(1)) return $"{(int)span.TotalHours} h {span.Minutes} min";
        return $"{(int)span.TotalDays} day{((int)span.TotalDays == 1 ? "" : "s")} {span.Hours} h";
    }
}
