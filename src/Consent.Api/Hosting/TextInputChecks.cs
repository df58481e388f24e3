using System.Globalization;
using System.Text;

namespace Consent.Api.Hosting;

/// <summary>
/// Text that no field may hold, refused at the door for the two UIs' forms and query strings (JSON bodies get the same
/// checks in <see cref="JsonBody"/>): control characters (a NUL cannot be stored in jsonb and failed the whole write with
/// a 500; the others have no place in a name, a note or a filter) and names that show nothing once normalised.
/// </summary>
public static class TextInputChecks
{
    /// <summary>Fields that hold a person's name, in forms and JSON bodies: each must show something once normalised.</summary>
    public static readonly IReadOnlySet<string> NameFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "signerName", "clinicianName", "name", "RepresentativeName", "representative.name",
    };

    /// <summary>A control character other than tab and line breaks (which a question's text may hold).</summary>
    public static bool HasControl(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) && c is not ('\t' or '\r' or '\n')) return true;
        }
        return false;
    }

    /// <summary>
    /// True when <paramref name="value"/> shows nothing after NFKC normalisation: only spaces, zero-width and format
    /// characters, lone combining marks, unassigned or private-use code points, or the blank "filler" letters.
    /// </summary>
    public static bool IsInvisible(string value)
    {
        string normalised;
        try
        {
            normalised = value.Normalize(NormalizationForm.FormKC);
        }
        catch (ArgumentException)
        {
            return true; // a lone surrogate: nothing a person could have typed as a name
        }
        foreach (var rune in normalised.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            var blank = category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.SpaceSeparator
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.NonSpacingMark
                or UnicodeCategory.EnclosingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
            if (!blank && !Fillers.Contains(rune.Value)) return false;
        }
        return true;
    }

    // Letters by category that draw nothing (Hangul fillers, the blank Braille pattern, Mongolian vowel separator).
    private static readonly HashSet<int> Fillers = [0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800, 0x180E];

    /// <summary>The first field of a page request's query or form that fails a check, with the status to answer.</summary>
    public static async Task<(int Status, string Field, string Message)?> ProblemAsync(HttpRequest request)
    {
        foreach (var (key, values) in request.Query)
        {
            if (HasControl(key) || values.Any(v => v is not null && HasControl(v))) return ControlProblem(key);
        }
        if (!request.HasFormContentType) return null;
        IFormCollection form;
        request.EnableBuffering();
        try
        {
            form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (InvalidDataException)
        {
            // ASP.NET's form reader gives up on some text (a NUL among it) without saying where: read the body once more
            // to name the field.
            return await RawFormProblemAsync(request) ?? (StatusCodes.Status400BadRequest, "body", "The form could not be read.");
        }
        foreach (var (key, values) in form)
        {
            if (HasControl(key) || values.Any(v => v is not null && HasControl(v))) return ControlProblem(key);
            if (NameFields.Contains(key) && values.Any(v => !string.IsNullOrEmpty(v) && IsInvisible(v)))
            {
                return (StatusCodes.Status422UnprocessableEntity, key, $"'{key}' must show a name: it holds only invisible or blank characters.");
            }
        }
        return null;
    }

    private static async Task<(int, string, string)?> RawFormProblemAsync(HttpRequest request)
    {
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), "application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)) return null;
        request.Body.Position = 0;
        if (await JsonBody.ReadBoundedAsync(request, 1024 * 1024) is not ({ } buffer, var length)) return null;
        var fields = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseNullableQuery(Encoding.UTF8.GetString(buffer, 0, length));
        foreach (var (key, values) in fields ?? [])
        {
            if (HasControl(key) || values.Any(v => v is not null && HasControl(v))) return ControlProblem(key);
        }
        return null;
    }

    private static (int, string, string) ControlProblem(string key) =>
        (StatusCodes.Status400BadRequest, HasControl(key) ? "query" : key, $"'{(HasControl(key) ? "a field name" : key)}' holds a control character, which no text may contain.");

    /// <summary>Checks the dashboard's and the tablet's query strings and forms before a page sees them.</summary>
    public static WebApplication UseTextInputChecks(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            var path = http.Request.Path;
            if ((path.StartsWithSegments("/dashboard") || path.StartsWithSegments("/tablet")) && await ProblemAsync(http.Request) is var (status, field, message))
            {
                await Problems.Field(status, field, message).ExecuteAsync(http);
                return;
            }
            await next(http);
        });
        return app;
    }
}
