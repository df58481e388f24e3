using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Consent.Workflows.Linting;

/// <summary>
/// One typography for matching rules against text: lower case, no accents, straight apostrophes, no quotation
/// marks or Markdown emphasis, one kind of dash and single spaces. A claim written <c>"registered" with the FDA</c>,
/// <c>FDA‑registered</c> (non-breaking hyphen) or <c>REGISTRADA ante la FDA</c> then reads like its plain form.
/// Rule patterns are normalised the same way (accents only: a regex's escapes are case-sensitive), so a rule
/// author may write accents or not.
/// </summary>
public static partial class TextNormalizer
{
    public static string Normalize(string text)
    {
        var decomposed = text.Normalize(NormalizationForm.FormKD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            switch (c)
            {
                case '"' or '“' or '”' or '„' or '‟' or '«' or '»' or '‹' or '›' or '*' or '`':
                    break;
                case '‘' or '’' or '‚' or '‛' or '´' or 'ʼ':
                    sb.Append('\'');
                    break;
                case '‐' or '‑' or '‒' or '–' or '—' or '―' or '−' or '\u00AD':
                    sb.Append('-');
                    break;
                default:
                    sb.Append(char.IsWhiteSpace(c) ? ' ' : char.ToLowerInvariant(c));
                    break;
            }
        }
        var s = QuoteApostrophe().Replace(sb.ToString(), "");
        s = UsAbbreviation().Replace(s, "us ");
        return Spaces().Replace(s, " ").Trim();
    }

    /// <summary>A rule's pattern with the accents taken off, so it matches normalised text.</summary>
    public static string NormalizePattern(string pattern)
    {
        var decomposed = pattern.Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed.Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)) sb.Append(c);
        return sb.ToString().Normalize(NormalizationForm.FormC);
    }

    public static Regex Compile(string pattern) =>
        new(NormalizePattern(pattern), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    // An apostrophe used as a quotation mark ('registered') goes; one inside a word (doesn't) stays.
    [GeneratedRegex(@"'(?!\p{L})|(?<!\p{L})'")]
    private static partial Regex QuoteApostrophe();

    [GeneratedRegex(@"\bu\. ?s\. ?(?=\p{L})")]
    private static partial Regex UsAbbreviation();

    [GeneratedRegex(@" {2,}")]
    private static partial Regex Spaces();
}
