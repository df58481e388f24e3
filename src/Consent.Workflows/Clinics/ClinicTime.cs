using System.Globalization;

namespace Consent.Workflows.Clinics;

/// <summary>
/// A clinic's wall clock: staff and patients read and type local times, the service stores and publishes UTC. A
/// local time is read in the zone's rules for that date (not today's offset), so a booking typed before a
/// daylight-saving change lands where the clinic means it after the change.
/// </summary>
public static class ClinicTime
{
    public const string InputFormat = "yyyy-MM-ddTHH:mm";

    /// <summary>A typed local time as UTC, or why it is not one.</summary>
    public sealed record Reading(DateTimeOffset? Utc, string? Problem);

    public static TimeZoneInfo? FindZone(string? id) =>
        !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;

    /// <summary>
    /// <paramref name="text"/> as a <c>datetime-local</c> field sends it (2026-12-01T09:30), in <paramref name="zone"/>.
    /// A time the clocks skip (spring forward) is refused rather than moved; a time that happens twice (fall back)
    /// is the first of the two, the one a clinic's morning list means.
    /// </summary>
    public static Reading FromLocal(string? text, TimeZoneInfo zone)
    {
        if (!DateTime.TryParseExact(text, [InputFormat, "yyyy-MM-ddTHH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            || local.Year is < 2000 or > 2999)
        {
            return new Reading(null, $"A time is written 2026-12-01T09:30 ({ZoneName(zone)}).");
        }
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            return new Reading(null, $"{local:yyyy-MM-dd HH:mm} does not exist in {ZoneName(zone)}: the clocks move forward that night. Choose another time.");
        }
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new Reading(new DateTimeOffset(local, offset).ToUniversalTime(), null);
    }

    public static DateTimeOffset ToLocal(DateTimeOffset at, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(at, zone);

    /// <summary>A time for people: 2026-12-01 09:30 UTC-6 (the offset of that moment, so a DST change shows).</summary>
    public static string Show(DateTimeOffset? at, TimeZoneInfo zone)
    {
        if (at is not { } value) return "";
        var local = ToLocal(value, zone);
        return local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " " + OffsetName(local.Offset);
    }

    /// <summary>The value a <c>datetime-local</c> input shows for <paramref name="at"/>.</summary>
    public static string Input(DateTimeOffset? at, TimeZoneInfo zone) =>
        at is { } value ? ToLocal(value, zone).ToString(InputFormat, CultureInfo.InvariantCulture) : "";

    /// <summary>ISO 8601 local time with its offset, to the second: what a spreadsheet reads as one time, the same instant as the UTC stored.</summary>
    public static string Iso(DateTimeOffset? at, TimeZoneInfo zone) =>
        at is { } value ? ToLocal(value, zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture) : "";

    /// <summary>The instants a local calendar day covers (23 or 25 hours on a change day).</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Day(DateOnly day, TimeZoneInfo zone) =>
        (StartOf(day, zone), StartOf(day.AddDays(1), zone));

    /// <summary>The local date at <paramref name="at"/>.</summary>
    public static DateOnly DateAt(DateTimeOffset at, TimeZoneInfo zone) => DateOnly.FromDateTime(ToLocal(at, zone).DateTime);

    /// <summary>"UTC", "UTC-6", "UTC+5:30".</summary>
    public static string OffsetName(TimeSpan offset)
    {
        if (offset == TimeSpan.Zero) return "UTC";
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        var abs = offset.Duration();
        return $"UTC{sign}{abs.Hours}" + (abs.Minutes == 0 ? "" : $":{abs.Minutes:00}");
    }

    /// <summary>The zone as staff know it: "America/Chicago", or "UTC".</summary>
    public static string ZoneName(TimeZoneInfo zone) => zone == TimeZoneInfo.Utc || zone.Id is "Etc/UTC" or "UTC" ? "UTC" : zone.Id;

    // Midnight can itself be skipped in a few zones; the day then starts at the first instant that exists.
    private static DateTimeOffset StartOf(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(30);
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
