using Consent.Api.Gate;
using Consent.Workflows.Runtime;

namespace Consent.Api.UnitTests.Gate;

public sealed class GateRulesTests
{
    private static readonly DateTimeOffset Granted = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static GateCandidate Consent(ConsentStatus status, TimeSpan? reaffirmation = null, DateTimeOffset? created = null, string id = "cns_a", params DateTimeOffset[] reaffirmed) =>
        new(id, ConsentState.None with
        {
            Started = true, Status = status, CreatedAt = created ?? Granted.AddHours(-1), GrantedAt = Granted,
            ValidFrom = Granted.AddHours(48), ValidUntil = Granted.AddDays(90), Reaffirmations = [.. reaffirmed],
        }, reaffirmation);

    [Fact]
    public void No_consent_at_all_is_not_allowed() =>
        GateRules.Evaluate([], Granted).ShouldBe(GateAnswer.NoConsent);

    [Theory]
    [InlineData(-1, false, "cooling_off")]
    [InlineData(47, false, "cooling_off")]
    [InlineData(48, true, "granted")]
    [InlineData(90 * 24 - 1, true, "granted")]
    [InlineData(90 * 24, false, "expired")]
    public void A_granted_consent_allows_only_inside_its_window(int hoursAfterGrant, bool allowed, string reason)
    {
        var answer = GateRules.Evaluate([Consent(ConsentStatus.Granted)], Granted.AddHours(hoursAfterGrant));
        answer.Allowed.ShouldBe(allowed);
        answer.Reason.ShouldBe(reason);
        answer.ValidFrom.ShouldBe(Granted.AddHours(48));
    }

    [Theory]
    [InlineData(ConsentStatus.Withdrawn, "withdrawn")]
    [InlineData(ConsentStatus.Expired, "expired")]
    [InlineData(ConsentStatus.Superseded, "reconsent_required")]
    [InlineData(ConsentStatus.Declined, "declined")]
    [InlineData(ConsentStatus.InProgress, "consent_pending")]
    [InlineData(ConsentStatus.NeedsDiscussion, "consent_pending")]
    [InlineData(ConsentStatus.AwaitingCountersign, "consent_pending")]
    public void A_consent_that_is_not_granted_never_allows_and_says_why(ConsentStatus status, string reason)
    {
        var answer = GateRules.Evaluate([Consent(status)], Granted.AddDays(10));
        answer.Allowed.ShouldBeFalse();
        answer.Reason.ShouldBe(reason);
        answer.ValidFrom.ShouldBeNull("a closed consent offers no window to book into");
    }

    [Fact]
    public void Where_reaffirmation_is_demanded_it_must_fall_in_the_window_before_the_procedure()
    {
        var procedure = Granted.AddDays(5);
        var window = TimeSpan.FromHours(12);
        GateRules.Evaluate([Consent(ConsentStatus.Granted, window)], procedure).Reason.ShouldBe("reaffirmation_required");
        GateRules.Evaluate([Consent(ConsentStatus.Granted, window, reaffirmed: procedure.AddHours(-13))], procedure).Reason.ShouldBe("reaffirmation_required");
        GateRules.Evaluate([Consent(ConsentStatus.Granted, window, reaffirmed: procedure.AddHours(1))], procedure).Reason.ShouldBe("reaffirmation_required", "a reaffirmation after the time asked about does not count");
        var ok = GateRules.Evaluate([Consent(ConsentStatus.Granted, window, reaffirmed: procedure.AddHours(-2))], procedure);
        ok.Allowed.ShouldBeTrue();
        ok.Reason.ShouldBe("granted");
    }

    [Fact]
    public void A_valid_consent_allows_even_beside_an_older_withdrawn_one_and_otherwise_the_newest_explains()
    {
        var withdrawn = Consent(ConsentStatus.Withdrawn, id: "cns_old", created: Granted.AddDays(-30));
        var granted = Consent(ConsentStatus.Granted, id: "cns_new");
        GateRules.Evaluate([withdrawn, granted], Granted.AddDays(3)).ConsentId.ShouldBe("cns_new");
        var pending = Consent(ConsentStatus.InProgress, id: "cns_newest", created: Granted.AddDays(1));
        GateRules.Evaluate([withdrawn, pending], Granted.AddDays(3)).Reason.ShouldBe("consent_pending");
    }
}
