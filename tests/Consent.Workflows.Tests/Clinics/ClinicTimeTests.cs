using Consent.Workflows.Clinics;

namespace Consent.Workflows.Tests.Clinics;

/// <summary>A clinic in Chicago types its own times; the service stores UTC, across the 2027 daylight-saving changes (14 March, 7 November).</summary>
public sealed class ClinicTimeTests
{
    private static readonly TimeZoneInfo Chicago = ClinicTime.FindZone("America/Chicago")!;

    [Theory]
    [InlineData("2027-03-12T09:00", "2027-03-12T15:00:00Z")] // CST, UTC-6
    [InlineData("2027-03-15T09:00", "2027-03-15T14:00:00Z")] // CDT, UTC-5: the day after the change
    [InlineData("2027-11-08T09:00", "2027-11-08T15:00:00Z")] // CST again
    [InlineData("2027-03-14T03:00", "2027-03-14T08:00:00Z")] // the first hour after spring forward
    public void Nine_oclock_in_Chicago_is_stored_as_the_UTC_instant_of_that_dates_offset(string typed, string utc)
    {
        var reading = ClinicTime.FromLocal(typed, Chicago);
        reading.Problem.ShouldBeNull();
        reading.Utc.ShouldBe(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_time_the_clocks_skip_is_refused_with_the_zone_named_instead_of_moved()
    {
        var reading = ClinicTime.FromLocal("2027-03-14T02:30", Chicago);
        reading.Utc.ShouldBeNull();
        reading.Problem!.ShouldContain("does not exist in America/Chicago");
    }

    [Fact]
    public void A_time_that_happens_twice_is_the_first_of_the_two()
    {
        // 01:30 on 7 November 2027 happens at 06:30Z (CDT) and again at 07:30Z (CST).
        ClinicTime.FromLocal("2027-11-07T01:30", Chicago).Utc.ShouldBe(new DateTimeOffset(2027, 11, 7, 6, 30, 0, TimeSpan.Zero));
    }

    [Theory]
    [InlineData("")]
    [InlineData("09:00")]
    [InlineData("2027-13-01T09:00")]
    [InlineData("9999-12-31T23:59")]
    public void What_is_not_a_local_time_says_how_to_write_one(string typed)
    {
        var reading = ClinicTime.FromLocal(typed, Chicago);
        reading.Utc.ShouldBeNull();
        reading.Problem!.ShouldContain("2026-12-01T09:30 (America/Chicago)");
    }

    [Fact]
    public void Times_show_the_offset_of_their_own_moment_and_round_trip_through_the_input()
    {
        var before = new DateTimeOffset(2027, 3, 13, 15, 0, 0, TimeSpan.Zero);
        var after = new DateTimeOffset(2027, 3, 15, 14, 0, 0, TimeSpan.Zero);
        ClinicTime.Show(before, Chicago).ShouldBe("2027-03-13 09:00 UTC-6");
        ClinicTime.Show(after, Chicago).ShouldBe("2027-03-15 09:00 UTC-5");
        ClinicTime.Input(after, Chicago).ShouldBe("2027-03-15T09:00");
        ClinicTime.FromLocal(ClinicTime.Input(after, Chicago), Chicago).Utc.ShouldBe(after);
        ClinicTime.Iso(after, Chicago).ShouldBe("2027-03-15T09:00:00-05:00");
        ClinicTime.Show(after, TimeZoneInfo.Utc).ShouldBe("2027-03-15 14:00 UTC");
        ClinicTime.OffsetName(TimeSpan.FromMinutes(330)).ShouldBe("UTC+5:30");
    }

    [Fact]
    public void The_days_of_the_changes_are_23_and_25_hours_long()
    {
        var (springStart, springEnd) = ClinicTime.Day(new DateOnly(2027, 3, 14), Chicago);
        springStart.ShouldBe(new DateTimeOffset(2027, 3, 14, 6, 0, 0, TimeSpan.Zero));
        (springEnd - springStart).ShouldBe(TimeSpan.FromHours(23));
        var (fallStart, fallEnd) = ClinicTime.Day(new DateOnly(2027, 11, 7), Chicago);
        (fallEnd - fallStart).ShouldBe(TimeSpan.FromHours(25));
        ClinicTime.DateAt(new DateTimeOffset(2027, 3, 15, 4, 59, 0, TimeSpan.Zero), Chicago).ShouldBe(new DateOnly(2027, 3, 14));
    }
}
