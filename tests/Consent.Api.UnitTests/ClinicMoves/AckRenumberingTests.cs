using Consent.Api.ClinicMoves;

namespace Consent.Api.UnitTests.ClinicMoves;

/// <summary>A subscriber's confirmed sequence, carried to the moved events' new positions (docs/adr/0003, "Moving a clinic").</summary>
public sealed class AckRenumberingTests
{
    private static readonly long[] From = [12, 15, 40, 41];
    private static readonly long[] To = [901, 902, 903, 904];

    [Theory]
    [InlineData(12, 901)]
    [InlineData(40, 903)]
    [InlineData(41, 904)]
    public void A_confirmed_sequence_of_a_moved_event_becomes_that_events_new_position(long confirmed, long carried) =>
        GateRowsOfClinic.Renumbered(confirmed, From, To).ShouldBe(carried);

    [Theory]
    [InlineData(20, 902)]
    [InlineData(99, 904)]
    public void A_sequence_between_the_clinics_events_becomes_the_new_position_of_the_latest_event_before_it(long confirmed, long carried) =>
        GateRowsOfClinic.Renumbered(confirmed, From, To).ShouldBe(carried);

    [Fact]
    public void A_sequence_before_every_moved_event_confirms_none_of_them() => GateRowsOfClinic.Renumbered(3, From, To).ShouldBe(0);

    [Fact]
    public void Order_is_kept_so_a_confirmation_at_or_after_a_withdrawal_stays_at_or_after_it()
    {
        var carried = Enumerable.Range(0, 60).Select(s => GateRowsOfClinic.Renumbered(s, From, To)).ToList();
        carried.ShouldBe(carried.Order().ToList());
    }
}
