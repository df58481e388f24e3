using Consent.Api.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Consent.Api.Dashboard;

/// <summary>Live updates for the dashboard: a signed-in member of a clinic hears of its consents' changes, and no other clinic's.</summary>
[Authorize(AuthenticationSchemes = DashboardSetup.CookieScheme, Policy = Policies.CoordinatorOrClinician)]
public sealed class DashboardHub : Hub
{
    public static string GroupOf(string clinic) => "clinic:" + clinic;

    public override async Task OnConnectedAsync()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(Context.User!.FindFirst(StaffRoles.ClinicClaim)!.Value));
        await base.OnConnectedAsync();
    }
}
