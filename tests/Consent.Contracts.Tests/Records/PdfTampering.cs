using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Pdf;
using PdfSharp.Pdf.IO;

namespace Consent.Contracts.Tests.Records;

/// <summary>Edits a PDF the way a forger would: one glyph of the visible text, leaving everything else as it was.</summary>
public static partial class PdfTampering
{
    /// <summary>
    /// In the first text string on the first page that shows two different glyphs, the first glyph is replaced by the
    /// second: one letter of the visible text changes, and the file is otherwise the same.
    /// </summary>
    public static byte[] ChangeOneLetter(byte[] pdf)
    {
        using var document = PdfReader.Open(new MemoryStream(pdf), PdfDocumentOpenMode.Modify);
        var content = (PdfDictionary)document.Pages[0].Contents.Elements.GetObject(0)!;
        var text = Encoding.Latin1.GetString(content.Stream.UnfilteredValue);
        var changed = false;
        var edited = HexString().Replace(text, match =>
        {
            var hex = match.Groups[1].Value;
            if (changed || hex.Length < 8 || hex[..4] == hex[4..8]) return match.Value;
            changed = true;
            return "<" + hex[4..8] + hex[4..] + ">";
        }, 1_000);
        if (!changed) throw new InvalidOperationException("no text string with two different glyphs on the first page");
        content.Stream.Value = Encoding.Latin1.GetBytes(edited);
        content.Elements.Remove("/Filter");
        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    [GeneratedRegex("<([0-9A-Fa-f]+)>")]
    private static partial Regex HexString();
}
