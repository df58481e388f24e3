using Consent.Api.Records;
using Consent.Contracts.Records;
using UglyToad.PdfPig;

namespace Consent.Contracts.Tests.Records;

/// <summary>The app draws records with its own copy of DejaVu (fonts/ beside the assembly), not with whatever the machine has.</summary>
public sealed class RecordFontsTests
{
    [Fact]
    public void The_app_carries_dejavu_and_its_licence_and_draws_the_record_with_them()
    {
        RecordFonts.Install(null);

        RecordFonts.Directory.ShouldBe(Path.Combine(AppContext.BaseDirectory, "fonts"));
        foreach (var file in RecordFonts.Files)
        {
            var font = File.ReadAllBytes(Path.Combine(RecordFonts.Directory!, file));
            font.AsSpan(0, 4).ToArray().ShouldBe(new byte[] { 0, 1, 0, 0 }, $"{file} is a TrueType font");
        }
        File.ReadAllText(Path.Combine(RecordFonts.Directory!, "DejaVu-LICENSE.txt")).ShouldContain("Bitstream Vera");

        var record = SampleRecords.Record(steps: 4, locale: "es");
        var pdf = RecordPdf.Render(new IssuedRecord(RecordJson.ToUtf8(record), "header.payload.signature", record), Paper.A4);
        using var document = PdfDocument.Open(pdf);
        var fonts = document.GetPages().SelectMany(p => p.Letters).Select(l => l.FontName).Distinct().ToList();
        fonts.Count.ShouldBeGreaterThanOrEqualTo(2, "regular and bold");
        fonts.ShouldAllBe(name => name != null && name.Contains("+DejaVu Sans"));
    }
}
