using System.Collections.Concurrent;
using System.Security.Claims;
using Consent.Workflows.Clinics;

namespace Consent.Api.Clinics;

/// <summary>
/// Each clinic's own clock: the IANA time zone its staff and patients read and type times in
/// (<c>Clinics:TimeZones:{clinic}</c>, else <c>Clinics:DefaultTimeZone</c>, else <c>Tablet:TimeZone</c>, else UTC).
/// Storage, the API and the events stay UTC; only what people read and type is local.
/// </summary>
public sealed class ClinicClocks(IConfiguration configuration)
{
    private readonly ConcurrentDictionary<string, TimeZoneInfo> _zones = new(StringComparer.Ordinal);

    public TimeZoneInfo ZoneOf(string clinic) => _zones.GetOrAdd(clinic, c =>
    {
        var id = configuration[$"Clinics:TimeZones:{c}"] ?? configuration["Clinics:DefaultTimeZone"] ?? configuration["Tablet:TimeZone"] ?? "UTC";
        // A clinic shown the wrong hours books procedures at the wrong hours: a zone that is not one stops the start-up (see Check).
        return ClinicTime.FindZone(id) ?? throw new InvalidOperationException($"Clinic {c}: '{id}' is not an IANA time zone (e.g. America/Chicago).");
    });

    /// <summary>The signed-in staff member's clinic's zone.</summary>
    public TimeZoneInfo ZoneOf(ClaimsPrincipal user) => ZoneOf(user.FindFirst(Auth.StaffRoles.ClinicClaim)?.Value ?? "");

    /// <summary>Every configured zone, so a typo fails at start-up and not on the first page a clinic opens.</summary>
    public IEnumerable<string> Problems()
    {
        foreach (var id in configuration.GetSection("Clinics:TimeZones").GetChildren().Select(c => c.Value)
                     .Append(configuration["Clinics:DefaultTimeZone"]).Append(configuration["Tablet:TimeZone"]))
        {
            if (id is not null && ClinicTime.FindZone(id) is null) yield return $"'{id}' is not an IANA time zone (e.g. America/Chicago).";
        }
    }
}

public static class ClinicsSetup
{
    public static IServiceCollection AddClinics(this IServiceCollection services)
    {
        services.AddSingleton<ClinicClocks>();
        services.AddOptions<ClinicZonesCheck>().Validate<ClinicClocks>((_, clocks) => !clocks.Problems().Any(), "Clinics:TimeZones, Clinics:DefaultTimeZone and Tablet:TimeZone must name IANA time zones (e.g. America/Chicago).").ValidateOnStart();
        return services;
    }

    /// <summary>Nothing to bind: the options pipeline's start-up validation runs the zones' check.</summary>
    public sealed class ClinicZonesCheck;
}
