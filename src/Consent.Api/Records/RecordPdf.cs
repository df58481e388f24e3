using Consent.Contracts.Records;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using QRCoder;

namespace Consent.Api.Records;

public enum Paper { A4, Letter }

/// <summary>
/// The patient's copy as a PDF: the blocks <see cref="RecordPages"/> derives from the signed record, laid out for
/// reading and printing, real text in an embedded font, the drawn signature, a QR code naming the record, and the
/// record and its JWS attached so the paper can be checked offline; PDF/A-3b as far as <see cref="RecordPdfA"/> says.
/// </summary>
public static class RecordPdf
{
    public const string RecordAttachment = "record.json";
    public const string JwsAttachment = "record.jws";

    private const double Margin = 56;
    private static readonly XPdfFontOptions Unicode = new(PdfFontEncoding.Unicode);
    private static readonly XBrush Ink = XBrushes.Black;
    private static readonly XBrush Quiet = new XSolidBrush(XColor.FromArgb(80, 80, 80));

    public static byte[] Render(IssuedRecord issued, Paper paper)
    {
        ArgumentNullException.ThrowIfNull(issued);
        var record = issued.Record;
        using var document = new PdfDocument();
        // RecordPdfA.Finish compresses the streams: PDFsharp's own deflate leaves them unterminated.
        document.Options.NoCompression = true;
        document.Options.CompressContentStreams = false;
        var identity = new RecordPdfA.Identity(record.Workflow.Title, record.Presentation.ClinicName,
            $"Signed consent record {record.ConsentId}, version {record.StreamVersion}", record.Locale, record.AsOf);
        document.Info.Title = identity.Title;
        document.Info.Subject = identity.Subject;
        document.Info.Author = identity.Author;
        document.Language = record.Locale;
        var layout = new Layout(document, paper);
        foreach (var block in RecordPages.Blocks(record)) layout.Draw(block);
        layout.Finish();
        RecordPdfA.Prepare(document, identity,
        [
            new(RecordAttachment, issued.Payload, "application/json", "Source", "The signed consent record this PDF shows (JSON, the JWS payload byte for byte)"),
            new(JwsAttachment, System.Text.Encoding.ASCII.GetBytes(issued.Jws), "application/jose", "Supplement", "The record's compact JWS (ES256); keys at the record's keysUrl"),
        ]);
        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return RecordPdfA.Finish(output.ToArray(), identity);
    }

    /// <summary>Draws blocks top to bottom, starting a page when the next line does not fit.</summary>
    private sealed class Layout(PdfDocument document, Paper paper)
    {
        private PdfPage? _page;
        private XGraphics? _gfx;
        private double _y;

        private double Width => _page!.Width.Point - 2 * Margin;
        private double Bottom => _page!.Height.Point - Margin;

        public void Draw(RecordBlock block)
        {
            switch (block.Kind)
            {
                case BlockKind.Title: Text(block.Text, Font(17, bold: true), Ink, before: 0, after: 4); break;
                case BlockKind.Subtitle: Text(block.Text, Font(12), Ink, before: 0, after: 8); break;
                case BlockKind.Heading: Text(block.Text, Font(12.5, bold: true), Ink, before: 12, after: 3); break;
                case BlockKind.Paragraph: Text(block.Text, Font(10.5), Ink, before: 3, after: 3); break;
                case BlockKind.Bullet: Text(block.Text, Font(10.5), Ink, before: 1, after: 1, indent: 14); break;
                case BlockKind.Detail: Text(block.Text, Font(8.5), Quiet, before: 1, after: 1); break;
                case BlockKind.SignatureImage: Signature(block.Text); break;
                case BlockKind.VerifyCode: Qr(block.Text); break;
            }
        }

        public void Finish() => _gfx?.Dispose();

        private static XFont Font(double size, bool bold = false) => new(RecordFonts.Family, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, Unicode);

        private void NewPage()
        {
            _gfx?.Dispose();
            _page = document.AddPage();
            _page.Size = paper == Paper.Letter ? PdfSharp.PageSize.Letter : PdfSharp.PageSize.A4;
            _gfx = XGraphics.FromPdfPage(_page);
            _y = Margin;
        }

        private void Room(double height)
        {
            if (_page is null || _y + height > Bottom) NewPage();
        }

        private void Text(string text, XFont font, XBrush brush, double before, double after, double indent = 0)
        {
            if (_page is null) NewPage();
            var lineHeight = font.GetHeight() * 1.15;
            _y += before;
            var first = true;
            // Broken into lines before drawing: drawing may start a new page, with new graphics.
            foreach (var line in PdfLines.Wrap(_gfx!, text, font, Width - indent).ToList())
            {
                Room(lineHeight);
                if (first && indent > 0) _gfx!.DrawEllipse(brush, Margin + 4, _y + lineHeight / 2 - 2, 4, 4);
                _gfx!.DrawString(line, font, brush, new XRect(Margin + indent, _y, Width - indent, lineHeight), XStringFormats.TopLeft);
                _y += lineHeight;
                first = false;
            }
            _y += after;
        }


        private void Signature(string dataUrl)
        {
            const double height = 64;
            Room(height + 8);
            var box = new XRect(Margin, _y + 4, 200, height);
            _gfx!.DrawRectangle(new XPen(XColors.LightGray, 0.5), box);
            var comma = dataUrl.IndexOf(',', StringComparison.Ordinal);
            try
            {
                using var image = XImage.FromStream(new MemoryStream(Convert.FromBase64String(dataUrl[(comma + 1)..])));
                // PDF/A forbids /Interpolate true, which PDFsharp writes for images unless told not to.
                image.Interpolate = false;
                var scale = Math.Min(box.Width / image.PointWidth, box.Height / image.PointHeight);
                _gfx.DrawImage(image, box.X, box.Y, image.PointWidth * scale, image.PointHeight * scale);
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or ArgumentException or IOException or NotSupportedException or IndexOutOfRangeException)
            {
                // An image PDFsharp cannot read keeps its empty frame: its hash is in the record, and the record
                // attached to this PDF carries the image itself.
            }
            _y += height + 8;
        }

        private void Qr(string content)
        {
            const double size = 96;
            Room(size + 8);
            using var generator = new QRCodeGenerator();
            using var data = generator.CreateQrCode(content, QRCodeGenerator.ECCLevel.M);
            var modules = data.ModuleMatrix;
            var cell = size / modules.Count;
            for (var row = 0; row < modules.Count; row++)
            {
                for (var column = 0; column < modules[row].Length; column++)
                {
                    if (modules[row][column]) _gfx!.DrawRectangle(Ink, Margin + column * cell, _y + 4 + row * cell, cell, cell);
                }
            }
            _y += size + 8;
        }
    }
}
