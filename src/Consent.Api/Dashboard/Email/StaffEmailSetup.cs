namespace Consent.Api.Dashboard.Email;

/// <summary>The e-mail notifier, registered beside the browser's when any clinic has <c>Notifications:Email:Clinics:&lt;clinic&gt;</c>.</summary>
public static class StaffEmailSetup
{
    public const string Section = "Notifications:Email";

    public static IServiceCollection AddStaffEmail(this IServiceCollection services)
    {
        services.AddOptions<StaffEmailSettings>().BindConfiguration(Section)
            .Validate(s => !s.Clinics.SelectMany(c => c.Value.Problems(c.Key)).Any(), "Notifications:Email: each clinic needs Host, Port, Tls (StartTls, SslOnConnect or None), From, To, and a PasswordFile that exists for a Username.")
            .Validate(s => (s.RetryDelaysMilliseconds ?? []).All(ms => ms >= 0) && s.QueueLimit > 0 && s.TimeoutMilliseconds > 0, "Notifications:Email: retry delays, QueueLimit and TimeoutMilliseconds must be positive.")
            .ValidateOnStart();
        services.AddSingleton<StaffEmailMetrics>();
        services.AddSingleton<StaffEmailOutbox>();
        services.AddSingleton<IStaffNotifier, EmailNotifier>();
        services.AddHostedService<EmailDelivery>();
        return services;
    }
}
