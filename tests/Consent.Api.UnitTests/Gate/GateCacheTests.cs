using Consent.Api.Gate;
using Consent.Workflows.Runtime;

namespace Consent.Api.UnitTests.Gate;

public sealed class GateCacheTests
{
    private static GateReader.Inputs Inputs(long sequence, params string[] consentIds) =>
        new([.. consentIds.Select(id => new GateCandidate(id, new ConsentState { Started = true }, null))], sequence);

    private static GateCache Listening()
    {
        var cache = new GateCache();
        cache.Listening(true);
        return cache;
    }

    [Fact]
    public void Nothing_is_kept_or_answered_while_no_connection_listens_for_changes()
    {
        var cache = new GateCache();
        cache.Keep("c1", "P-1", "MSC", Inputs(5, "cns_a"), cache.Generation);
        cache.TryGet("c1", "P-1", "MSC", out _).ShouldBeFalse();

        cache.Listening(true);
        cache.Keep("c1", "P-1", "MSC", Inputs(5, "cns_a"), cache.Generation);
        cache.TryGet("c1", "P-1", "MSC", out var kept).ShouldBeTrue();
        kept.Sequence.ShouldBe(5);

        cache.Listening(false);
        cache.TryGet("c1", "P-1", "MSC", out _).ShouldBeFalse();
        cache.Listening(true);
        cache.TryGet("c1", "P-1", "MSC", out _).ShouldBeFalse("what was kept before a lost connection may have missed changes");
    }

    [Fact]
    public void A_change_to_a_consent_drops_only_its_patient_and_procedure()
    {
        var cache = Listening();
        cache.Keep("c1", "P-1", "MSC", Inputs(5, "cns_a", "cns_b"), cache.Generation);
        cache.Keep("c1", "P-2", "MSC", Inputs(6, "cns_c"), cache.Generation);
        cache.Keep("c2", "P-1", "MSC", Inputs(7, "cns_a"), cache.Generation);

        cache.Changed(GateCache.Payload("c1", "cns_b")).ShouldBeTrue();

        cache.TryGet("c1", "P-1", "MSC", out _).ShouldBeFalse();
        cache.TryGet("c1", "P-2", "MSC", out _).ShouldBeTrue();
        cache.TryGet("c2", "P-1", "MSC", out _).ShouldBeTrue("another clinic's consent with the same id is another consent");
    }

    [Fact]
    public void A_consent_not_seen_before_drops_its_whole_clinic_because_it_may_be_a_first_consent()
    {
        var cache = Listening();
        cache.Keep("c1", "P-1", "MSC", Inputs(0), cache.Generation);
        cache.Keep("c1", "P-2", "MSC", Inputs(6, "cns_c"), cache.Generation);
        cache.Keep("c2", "P-1", "MSC", Inputs(0), cache.Generation);

        cache.Changed("c1", "cns_new");

        cache.TryGet("c1", "P-1", "MSC", out _).ShouldBeFalse();
        cache.TryGet("c1", "P-2", "MSC", out _).ShouldBeFalse();
        cache.TryGet("c2", "P-1", "MSC", out _).ShouldBeTrue();
    }

    [Fact]
    public void A_read_overtaken_by_a_change_is_not_kept()
    {
        var cache = Listening();
        var readAt = cache.Generation;
        cache.Changed("c1", "cns_a");
        cache.Keep("c1", "P-1", "MSC", Inputs(5, "cns_a"), readAt);
        cache.TryGet("c1", "P-1", "MSC", out _).ShouldBeFalse("the read may predate the change it was overtaken by");
    }

    [Theory]
    [InlineData("")]
    [InlineData("|cns_a")]
    [InlineData("c1|")]
    [InlineData("no-separator")]
    public void A_notification_that_is_not_ours_changes_nothing(string payload)
    {
        var cache = Listening();
        cache.Keep("c1", "P-1", "MSC", Inputs(5, "cns_a"), cache.Generation);
        cache.Changed(payload).ShouldBeFalse();
        cache.TryGet("c1", "P-1", "MSC", out _).ShouldBeTrue();
    }
}
