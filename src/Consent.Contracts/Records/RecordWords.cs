namespace Consent.Contracts.Records;

/// <summary>The few words a printed record adds around the workflow's own text, in the record's language (English otherwise).</summary>
public sealed record RecordWords(
    string RecordOf, string Patient, string Procedure, string Consent, string Workflow, string Status, string AsOf, string Representative,
    string OptionsShown, string Signature, string SignedBy, string CountersignedBy, string Granted, string Valid, string HowToVerify,
    string VerifyText, string Chain, IReadOnlyDictionary<string, string> Statuses, IReadOnlyDictionary<string, string> Roles,
    IReadOnlyDictionary<string, string> Kinds, string Yes, string No, string Correct, string Wrong, string Attempt)
{
    // Declared first: the word tables below are built from it as the type initialises.
    private static readonly string[] StatusCodes = ["pending", "in_progress", "needs_discussion", "awaiting_countersign", "granted", "declined", "withdrawn", "expired", "superseded"];

    public static readonly RecordWords English = new(
        "Signed consent record —", "Patient", "Procedure", "Consent", "Workflow", "Status", "as of", "Representative",
        "Options shown", "Signature", "Signed by", "Countersigned by", "Granted", "Valid from", "How to verify this record",
        "This PDF carries the signed record (record.json) and its signature (record.jws) as attachments. Anyone can check them, and that this text is the signed text, offline with the published keys:",
        "Event chain", StatusTable("pending", "in progress", "needs discussion", "awaiting countersignature", "granted", "declined", "withdrawn", "expired", "superseded"),
        new Dictionary<string, string> { ["patient"] = "patient", ["representative"] = "representative", ["witness"] = "witness" },
        new Dictionary<string, string>
        {
            ["read"] = "Read", ["reopened"] = "Read again", ["risk_acknowledged"] = "Acknowledged, initials", ["quiz_answered"] = "Answered",
            ["quiz_attempts_exhausted"] = "Attempts used up, discussion needed", ["choice_made"] = "Chosen", ["provision_answered"] = "Answered",
            ["decision_requested"] = "Went to the decision", ["decision_recorded"] = "Decision", ["signed"] = "Signed",
        },
        "yes", "no", "right", "wrong", "attempt");

    public static readonly RecordWords Spanish = new(
        "Registro firmado del consentimiento —", "Paciente", "Procedimiento", "Consentimiento", "Formulario", "Estado", "a fecha de", "Representante",
        "Opciones mostradas", "Firma", "Firmado por", "Refrendado por", "Otorgado", "Válido desde", "Cómo verificar este registro",
        "Este PDF lleva el registro firmado (record.json) y su firma (record.jws) como archivos adjuntos. Cualquiera puede comprobarlos, y que este texto es el texto firmado, sin conexión y con las claves publicadas:",
        "Cadena de eventos", StatusTable("pendiente", "en curso", "necesita conversación", "pendiente de refrendo", "otorgado", "rechazado", "retirado", "vencido", "reemplazado"),
        new Dictionary<string, string> { ["patient"] = "paciente", ["representative"] = "representante", ["witness"] = "testigo" },
        new Dictionary<string, string>
        {
            ["read"] = "Leído", ["reopened"] = "Leído de nuevo", ["risk_acknowledged"] = "Aceptado, iniciales", ["quiz_answered"] = "Respondido",
            ["quiz_attempts_exhausted"] = "Intentos agotados, hace falta conversar", ["choice_made"] = "Elegido", ["provision_answered"] = "Respondido",
            ["decision_requested"] = "Fue a la decisión", ["decision_recorded"] = "Decisión", ["signed"] = "Firmado",
        },
        "sí", "no", "correcta", "incorrecta", "intento");

    public static RecordWords For(string locale) =>
        locale?.Split('-')[0].ToLowerInvariant() switch { "es" => Spanish, _ => English };

    public string StatusName(string status) => Statuses.GetValueOrDefault(status, status);

    public string Role(string role) => Roles.GetValueOrDefault(role, role);

    /// <summary>One answer in words: what was done and with what value, never an id where the patient saw a label.</summary>
    public string Answer(RecordAnswer answer, RecordStep step)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(step);
        var kind = Kinds.GetValueOrDefault(answer.Kind, answer.Kind);
        var value = answer.Kind switch
        {
            "risk_acknowledged" => answer.Value,
            "quiz_answered" => $"{answer.Label ?? answer.Value} ({(answer.Correct == true ? Correct : Wrong)}, {Attempt} {answer.Attempt})",
            "choice_made" => answer.Label ?? answer.Value,
            "provision_answered" or "decision_recorded" => answer.Value == "yes" ? Yes : No,
            _ => null,
        };
        return value is null ? kind : $"{kind}: {value}";
    }

    private static Dictionary<string, string> StatusTable(params string[] names) =>
        StatusCodes.Zip(names).ToDictionary(p => p.First, p => p.Second);
}
