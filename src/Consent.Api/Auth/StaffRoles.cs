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
