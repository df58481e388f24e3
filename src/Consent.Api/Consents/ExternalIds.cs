using System.Text.RegularExpressions;
using Consent.Api.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Consent.Api.Consents;

/// <summary>The one check of the ids other clinic systems send: a consent's patient and procedure, and the gate's question.</summary>
public static partial class ExternalIds
{
    public static ProblemHttpResult? PatientAndProcedureProblem(string? patientId, string? procedureCode) =>
        PatientIdProblem(patientId) is { } patient ? Problems.Field(StatusCodes.Status400BadRequest, "patientId", patient)
        : ProcedureCodeProblem(procedureCode) is { } procedure ? Problems.Field(StatusCodes.Status400BadRequest, "procedureCode", procedure)
        : null;

    /// <summary>
    /// What is wrong with a patient id, or null when it is one: a value, or a value with its assigning authority as
    /// FHIR writes an identifier's system and value (<c>urn:oid:2.16.840.1.113883.19.5|MRN-1</c>), so two hospitals'
    /// record numbers cannot meet.
    /// </summary>
    public static string? PatientIdProblem(string? patientId) =>
        patientId is null || !PatientPattern().IsMatch(patientId)
            ? "A patient id is 1 to 64 letters, digits, '.', '-' or '_', optionally after its assigning authority as an absolute URI and '|' (urn:oid:2.16.840.1.113883.19.5|MRN-1)."
            : null;

    /// <summary>What is wrong with a procedure code, or null when it is one.</summary>
    public static string? ProcedureCodeProblem(string? procedureCode) =>
        procedureCode is null || procedureCode.Length > 32 || !Pattern().IsMatch(procedureCode) ? "A procedure code is 1 to 32 letters, digits, '.', '-' or '_'." : null;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex Pattern();

    // The system: a URI scheme, ':' and up to 190 visible ASCII characters other than '|'.
    [GeneratedRegex(@"^(?:[A-Za-z][A-Za-z0-9+.-]{0,31}:[\x21-\x7B\x7D\x7E]{1,190}\|)?[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex PatientPattern();
}
