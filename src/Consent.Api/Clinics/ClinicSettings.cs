using System.Collections.Concurrent;
using System.Security.Claims;
using Consent.Workflows.Clinics;

namespace Consent.Api.Clinics;

/// <summary>
/// What differs from clinic to clinic in how its people use the service. Its clock: the IANA time zone its staff and
/// patients read and type times in (<c>Clinics:TimeZones:{clinic}</c>, else <c>Clinics:DefaultTimeZone</c>, else
/// <c>Tablet:TimeZone</c>, else UTC); storage, the API and the events stay UTC. Its tablets' idle pause
/// (<c>Clinics:IdleSeconds:{clinic}</c>, else <c>Tablet:IdleSeconds</c>).
/// </summary>
public sealed class ClinicSettings(IConfiguration configuration)
{
    private readonly ConcurrentDictionary<string, TimeZoneInfo> _zones = new(StringComparer.Ordinal);

    public TimeZoneInfo ZoneOf(string clinic) => _zones.GetOrAdd(clinic, c =>
    {
        var id = configuration[$"Clinics:TimeZones:{c}"] ?? configuration["Clinics:DefaultTimeZone"] ?? configuration["Tablet:TimeZone"] ?? "UTC";
        // A clinic shown the wrong hours books procedures at the wrong hours: a zone that is not one stops the start-up (see Check).
        return ClinicTime.FindZone(id) ?? throw new InvalidOperationException($"Clinic {c}: '{id}' is not an IANA time zone (e.g. America/Chicago).");
    });

    /// <summary>Seconds without a touch before a tablet of <paramref name="clinic"/> hides behind the resume screen, or null for the service's default.</summary>
    public int? IdleSecondsOf(string clinic) => configuration.GetValue<int?>($"Clinics:IdleSeconds:{clinic}");

    /// <summary>The signed-in staff member's clinic's zone.</summary>
    public TimeZoneInfo ZoneOf(ClaimsPrincipal user) => ZoneOf(user.FindFirst(Auth.StaffRoles.ClinicClaim)?.Value ?? "");

    /// <summary>Every configured zone and idle pause, so a typo fails at start-up and not on the first page a clinic opens.</summary>
    public IEnumerable<string> Problems()
    {
        foreach (var id in configuration.GetSection("Clinics:TimeZones").GetChildren().Select(c => c.Value)
                     .Append(configuration["Clinics:DefaultTimeZone"]).Append(configuration["Tablet:TimeZone"]))
        {
            if (id is not null && ClinicTime.FindZone(id) is null) yield return $"'{id}' is not an IANA time zone (e.g. America/Chicago).";
        }
        var warning = configuration.GetValue("Tablet:IdleWarningSeconds", 30);
        foreach (var idle in configuration.GetSection("Clinics:IdleSeconds").GetChildren())
        {
            if (!int.TryParse(idle.Value, out var seconds) || seconds <= warning) yield return $"Clinics:IdleSeconds:{idle.Key} must be a whole number of seconds longer than Tablet:IdleWarningSeconds ({warning}).";
        }
    }
}

public static class ClinicsSetup
{
    public static IServiceCollection AddClinics(this IServiceCollection services)
    {
        services.AddSingleton<ClinicSettings>();
        services.AddOptions<ClinicSettingsCheck>().Validate<ClinicSettings>((_, clocks) => !clocks.Problems().Any(), "Clinics:TimeZones, Clinics:DefaultTimeZone and Tablet:TimeZone must name IANA time zones (e.g. America/Chicago), and each Clinics:IdleSeconds must be longer than Tablet:IdleWarningSeconds.").ValidateOnStart();
        return services;
    }

    /// <summary>Nothing to bind: the options pipeline's start-up validation runs the zones' check.</summary>
    public sealed class ClinicSettingsCheck;
}
