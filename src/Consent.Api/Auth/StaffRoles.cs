namespace Consent.Api.Auth;

/// <summary>The roles of the external contract and the claims every token carries.</summary>
public static class StaffRoles
{
    public const string Coordinator = "coordinator";
    public const string Clinician = "clinician";
    public const string Integration = "integration";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Coordinator, Clinician, Integration, Admin];

    /// <summary>Not a staff role: the principal of a tablet link, limited to one consent.</summary>
    public const string Tablet = "tablet";

    public const string RoleClaim = "role";
    public const string ClinicClaim = "clinic";
    public const string SubjectClaim = "sub";
}

/// <summary>What a tablet principal carries besides its role and clinic (see the tablet's authentication).</summary>
public static class TabletClaims
{
    /// <summary>The one consent the tablet may open.</summary>
    public const string Consent = "consent";
    /// <summary>The SHA-256 of the tablet token, checked against the consent's current link on every request.</summary>
    public const string Link = "tablet_link";
    /// <summary>The browser session a tablet page runs in; recorded on its events as the device.</summary>
    public const string Device = "device";
    /// <summary>Tablet tokens start with this, so one bearer scheme can tell them from staff JWTs.</summary>
    public const string TokenPrefix = "tab_";
    /// <summary>The authentication scheme of tablet tokens.</summary>
    public const string Scheme = "Tablet";
}

/// <summary>Authorization policy names; each endpoint names the least privilege it needs.</summary>
public static class Policies
{
    /// <summary>People working in the clinic (not systems): coordinators, clinicians, admins.</summary>
    public const string Staff = "staff";
    public const string Coordinator = "coordinator";
    public const string Clinician = "clinician";
    public const string CoordinatorOrClinician = "coordinator-or-clinician";
    public const string Integration = "integration";
    public const string GateReaders = "gate-readers";
    /// <summary>Anyone of the clinic but a tablet: staff and integrations.</summary>
    public const string StaffOrIntegration = "staff-or-integration";
    public const string Admin = "admin";
    public const string Tablet = "tablet";
    public const string StaffOrTablet = "staff-or-tablet";
    public const string TabletOrClinician = "tablet-or-clinician";
    /// <summary>The patient's own tablet, a coordinator or a clinician.</summary>
    public const string TabletOrCareTeam = "tablet-or-care-team";
}

/// <summary>What a clinic id may be: letters, digits, '-' and '_', 1 to 64 of them (no dot: it is a routing key part).</summary>
public static partial class ClinicIds
{
    public static bool IsValid(string clinic) => Pattern().IsMatch(clinic);

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    private static partial System.Text.RegularExpressions.Regex Pattern();
}
