using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Consent.Cli.Review;

/// <summary>
/// The review packet as a PDF for an IRB's records: the same blocks as the HTML, as real text in an embedded font
/// (searchable, copyable, every accent), A4, flowing onto as many pages as the workflow needs.
/// </summary>
internal static class ReviewPdf
{
    public static byte[] Render(IReadOnlyList<ReviewBlock> blocks, string title, string subject)
    {
        using var document = new PdfDocument();
        document.Info.Title = title;
        document.Info.Subject = subject;
        document.Language = "en";
        var flow = new Flow(document);
        foreach (var block in blocks) flow.Add(block);
        flow.Finish();
        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    /// <summary>Lines set top to bottom, a new page whenever the next one would cross the bottom margin.</summary>
    private sealed class Flow(PdfDocument document)
    {
        private const double Margin = 50;
        private static readonly XPdfFontOptions Embedded = new(PdfFontEncoding.Unicode);
        private static readonly XColor Green = XColor.FromArgb(0, 96, 0);
        private static readonly XColor Red = XColor.FromArgb(170, 0, 0);
        private static readonly XColor Panel = XColor.FromArgb(240, 240, 240);

        private XGraphics? _gfx;
        private PdfPage? _page;
        private double _y;

        public void Add(ReviewBlock block)
        {
            var ink = block.Tone switch { Tone.Ok => Green, Tone.Error => Red, _ => XColors.Black };
            switch (block.Kind)
            {
                case ReviewBlockKind.Title: Paragraph(block.Text, Font(16, true), ink, above: 0, below: 6); break;
                case ReviewBlockKind.Heading: Paragraph(block.Text, Font(13, true), ink, above: 14, below: 4); break;
                case ReviewBlockKind.StepHeading: Rule(); Paragraph(block.Text, Font(11.5, true), ink, above: 4, below: 3); break;
                case ReviewBlockKind.LocaleHeading: Paragraph(block.Text, Font(10.5, true), ink, above: 6, below: 2); break;
                case ReviewBlockKind.Line: Paragraph(block.Text, Font(9.5), ink, above: 2, below: 2); break;
                case ReviewBlockKind.Item: Paragraph((block.Strong is null ? "" : block.Strong + " ") + block.Text, Font(9.5), ink, above: 1, below: 1, indent: 12, bullet: true); break;
                case ReviewBlockKind.Code: foreach (var line in block.Text.Split('\n')) Paragraph(line, Font(8.5), ink, above: 0, below: 0, indent: 8); break;
                case ReviewBlockKind.Hash:
                    Paragraph($"{block.Strong} {block.Note}", Font(10, true), ink, above: 4, below: 1);
                    Paragraph(block.Text, Font(9.5), ink, above: 0, below: 4);
                    break;
                case ReviewBlockKind.PatientText: PatientText(block.Text); break;
            }
        }

        public void Finish() => _gfx?.Dispose();

        private static XFont Font(double size, bool bold = false) => new(Consent.Api.Records.RecordFonts.Family, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, Embedded);

        private double Width => _page!.Width.Point - 2 * Margin;

        private void EnsureRoom(double height)
        {
            if (_page is not null && _y + height <= _page.Height.Point - Margin) return;
            _gfx?.Dispose();
            _page = document.AddPage();
            _page.Size = PdfSharp.PageSize.A4;
            _gfx = XGraphics.FromPdfPage(_page);
            _y = Margin;
        }

        private void Rule()
        {
            EnsureRoom(12);
            _y += 6;
            _gfx!.DrawLine(new XPen(XColors.Gray, 0.5), Margin, _y, Margin + Width, _y);
            _y += 4;
        }

        /// <summary>The patient's text as written: one paragraph per line, list items as bullets, on a light panel.</summary>
        private void PatientText(string markdown)
        {
            var font = Font(9.5);
            foreach (var raw in markdown.Split('\n'))
            {
                var line = raw.Replace("**", "", StringComparison.Ordinal).TrimEnd();
                if (line.Length == 0)
                {
                    _y += 4;
                    continue;
                }
                var item = line.TrimStart().StartsWith("- ", StringComparison.Ordinal);
                Paragraph(item ? line.TrimStart()[2..] : line.Trim(), font, XColors.Black, above: 0, below: 1, indent: item ? 18 : 6, bullet: item, panel: true);
            }
        }

        private void Paragraph(string text, XFont font, XColor color, double above, double below, double indent = 0, bool bullet = false, bool panel = false)
        {
            EnsureRoom(0);
            var height = font.GetHeight() * 1.2;
            _y += above;
            var brush = new XSolidBrush(color);
            var first = true;
            // Broken into lines before drawing (drawing may start a new page); empty text still takes its line (a blank panel row).
            foreach (var line in Consent.Api.Records.PdfLines.Wrap(_gfx!, text, font, Width - indent).DefaultIfEmpty("").ToList())
            {
                EnsureRoom(height);
                if (panel) _gfx!.DrawRectangle(new XSolidBrush(Panel), Margin, _y, Width, height);
                if (bullet && first) _gfx!.DrawString("\u2022", font, brush, new XRect(Margin + indent - 9, _y, 9, height), XStringFormats.TopLeft);
                _gfx!.DrawString(line, font, brush, new XRect(Margin + indent, _y, Width - indent, height), XStringFormats.TopLeft);
                _y += height;
                first = false;
            }
            _y += below;
        }
    }
}
