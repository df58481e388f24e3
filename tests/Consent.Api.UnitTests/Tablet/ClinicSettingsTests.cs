using Consent.Api.Clinics;
using Consent.Api.Tablet;
using Microsoft.Extensions.Configuration;

namespace Consent.Api.UnitTests.Tablet;

/// <summary>Per-clinic settings: the tablet's idle pause and the clinic's time zone, with the service's defaults.</summary>
public sealed class ClinicSettingsTests
{
    private static ClinicSettings From(params (string Key, string Value)[] values) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    [Fact]
    public void A_slow_reader_gets_ten_minutes_before_the_tablet_pauses_unless_the_clinic_says_otherwise()
    {
        new TabletUiSettings().IdleSeconds.ShouldBe(600);
        var settings = From(("Clinics:IdleSeconds:slow", "1200"));
        settings.IdleSecondsOf("slow").ShouldBe(1200);
        settings.IdleSecondsOf("other").ShouldBeNull();
        settings.Problems().ShouldBeEmpty();
    }

    [Fact]
    public void Each_clinic_reads_its_own_zone_and_a_zone_or_pause_that_is_not_one_is_a_start_up_problem()
    {
        var settings = From(("Clinics:TimeZones:chicago", "America/Chicago"), ("Clinics:DefaultTimeZone", "Europe/Madrid"));
        settings.ZoneOf("chicago").Id.ShouldBe("America/Chicago");
        settings.ZoneOf("anyone").Id.ShouldBe("Europe/Madrid");
        From().ZoneOf("anyone").ShouldBe(TimeZoneInfo.Utc);
        From(("Clinics:TimeZones:x", "Mars/Olympus")).Problems().ShouldHaveSingleItem().ShouldContain("Mars/Olympus");
        From(("Clinics:IdleSeconds:x", "10")).Problems().ShouldHaveSingleItem().ShouldContain("Clinics:IdleSeconds:x");
    }
}
