using Microsoft.AspNetCore.Http.HttpResults;

namespace Consent.Api.Hosting;

/// <summary>
/// The one place RFC 7807 problems are built, so that every error names the field at fault the same way:
/// an <c>errors</c> object keyed by field, as ASP.NET's validation problems do.
/// </summary>
public static class Problems
{
    public static ProblemHttpResult Field(int status, string field, string message, IDictionary<string, object?>? extensions = null)
    {
        var ext = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>())
        {
            ["errors"] = new Dictionary<string, string[]> { [field] = [message] },
        };
        return TypedResults.Problem(detail: message, statusCode: status, title: Title(status), extensions: ext);
    }

    public static ProblemHttpResult NotFound(string message) =>
        TypedResults.Problem(detail: message, statusCode: StatusCodes.Status404NotFound, title: Title(StatusCodes.Status404NotFound));

    private static string Title(int status) => status switch
    {
        400 => "The request is not valid.",
        404 => "Not found.",
        409 => "The request conflicts with the consent's current state.",
        412 => "The consent has changed since you read it.",
        413 => "The request is too large.",
        415 => "Unsupported media type.",
        422 => "The input cannot be accepted.",
        429 => "Too many requests.",
        _ => "The request failed.",
    };
}
