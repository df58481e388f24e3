namespace Consent.Contracts.Records;

/// <summary>The printed record's words for staff signatures and the care team's number, in the record's language.</summary>
public sealed record RecordStaffWords(IReadOnlyDictionary<string, string> Acts, IReadOnlyDictionary<string, string> AuthMethods, string Questions)
{
    public static readonly RecordStaffWords English = new(
        new Dictionary<string, string> { ["countersign"] = "Countersignature", ["reaffirm"] = "Reaffirmation recorded", ["withdraw"] = "Withdrawal on the patient's behalf" },
        new Dictionary<string, string> { ["password_reentry"] = "password re-entered", ["token_auth_time"] = "signed in", ["oidc_reauthentication"] = "signed in again at the sign-in service" },
        "Questions? Call the care team at");

    public static readonly RecordStaffWords Spanish = new(
        new Dictionary<string, string> { ["countersign"] = "Refrendo", ["reaffirm"] = "Reafirmación registrada", ["withdraw"] = "Retirada en nombre del paciente" },
        new Dictionary<string, string> { ["password_reentry"] = "contraseña introducida de nuevo", ["token_auth_time"] = "sesión iniciada", ["oidc_reauthentication"] = "sesión iniciada de nuevo en el servicio de acceso" },
        "¿Preguntas? Llame al equipo de atención al");

    public static RecordStaffWords For(string locale) =>
        locale?.Split('-')[0].ToLowerInvariant() switch { "es" => Spanish, _ => English };

    public string Act(string act) => Acts.GetValueOrDefault(act, act);

    public string Auth(string method) => AuthMethods.GetValueOrDefault(method, method);
}
