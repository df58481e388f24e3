using PdfSharp.Drawing;

namespace Consent.Api.Records;

/// <summary>Text broken into lines that fit a width, for the record PDF and the review packet alike.</summary>
public static class PdfLines
{
    /// <summary>
    /// Breaks at spaces; a word wider than the line (a hash, a URL) is cut where it must be (the record's verifier
    /// ignores where lines break). Empty text has no lines.
    /// </summary>
    public static IEnumerable<string> Wrap(XGraphics gfx, string text, XFont font, double width)
    {
        ArgumentNullException.ThrowIfNull(gfx);
        ArgumentNullException.ThrowIfNull(text);
        var line = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (gfx.MeasureString(candidate, font).Width <= width)
            {
                line = candidate;
                continue;
            }
            if (line.Length > 0) yield return line;
            line = word;
            while (gfx.MeasureString(line, font).Width > width && line.Length > 1)
            {
                var fits = 1;
                while (fits < line.Length && gfx.MeasureString(line[..(fits + 1)], font).Width <= width) fits++;
                yield return line[..fits];
                line = line[fits..];
            }
        }
        if (line.Length > 0) yield return line;
    }
}
