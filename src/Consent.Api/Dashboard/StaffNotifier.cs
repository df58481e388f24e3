using Microsoft.AspNetCore.SignalR;

namespace Consent.Api.Dashboard;

/// <summary>
/// Something a person at a tablet is waiting for staff about. It names the kind and the consent only: the text of a
/// question or a patient's name never leaves the service this way (an e-mail or SMS notifier would say "open the
/// dashboard", not what was asked).
/// </summary>
public sealed record StaffAlert(string ClinicId, string ConsentId, string Kind);

/// <summary>A way to reach a clinic's staff outside the page they are looking at. The browser's is built; e-mail or SMS would be others.</summary>
public interface IStaffNotifier
{
    Task NotifyAsync(StaffAlert alert, CancellationToken ct);
}

/// <summary>Every open dashboard of the clinic shows a browser notification (when its user allowed them), even in a background tab.</summary>
public sealed class BrowserNotifier(IHubContext<DashboardHub> hub) : IStaffNotifier
{
    public Task NotifyAsync(StaffAlert alert, CancellationToken ct) =>
        hub.Clients.Group(DashboardHub.GroupOf(alert.ClinicId)).SendAsync("alert", alert.ConsentId, alert.Kind, ct);
}
