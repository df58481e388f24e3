using System.Text;
using Consent.Api.Records;
using Consent.Contracts.Records;
using UglyToad.PdfPig;

namespace Consent.Contracts.Tests.Records;

public sealed class RecordPdfTests
{
    static RecordPdfTests() => RecordFonts.Install(RecordFonts.DefaultDirectory);

    private static IssuedRecord Issued(SignedRecord record) => new(RecordJson.ToUtf8(record), "header.payload.signature", record);

    private static string VisibleText(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        var text = new StringBuilder();
        foreach (var page in document.GetPages()) foreach (var letter in page.Letters) text.Append(letter.Value);
        return text.ToString();
    }

    [Fact]
    public void The_pdf_shows_the_spanish_text_as_real_text_in_an_embedded_font_and_carries_the_record()
    {
        var record = SampleRecords.Record(steps: 6, locale: "es");

        var pdf = RecordPdf.Render(Issued(record), Paper.A4);

        using var document = PdfDocument.Open(pdf);
        var words = string.Join(" ", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
        words.ShouldContain("Riesgo 2: dolor de cabeza después de la punción lumbar");
        words.ShouldContain("He leído este formulario y acepto el tratamiento, señor doctor Muñoz.");
        words.ShouldContain("Firmado por José Núñez (paciente)");
        words.ShouldContain("(America/Mexico_City)");
        document.GetPages().First().Letters.Select(l => l.FontName).Distinct().ShouldAllBe(name => name != null && name.Contains("+DejaVu Sans"));
        Encoding.Latin1.GetString(pdf).ShouldContain("/FontFile2");
        document.Advanced.TryGetEmbeddedFiles(out var files).ShouldBeTrue();
        files.Single(f => f.Name == RecordPdf.RecordAttachment).Bytes.ToArray().ShouldBe(RecordJson.ToUtf8(record));
        files.Single(f => f.Name == RecordPdf.JwsAttachment).Bytes.ToArray().ShouldBe("header.payload.signature"u8.ToArray());
        RecordPages.TextProblem(record, VisibleText(pdf)).ShouldBeNull();
    }

    [Fact]
    public void The_pdf_is_laid_out_on_a4_or_letter()
    {
        var record = SampleRecords.Record(steps: 4, locale: "en");

        using var a4 = PdfDocument.Open(RecordPdf.Render(Issued(record), Paper.A4));
        using var letter = PdfDocument.Open(RecordPdf.Render(Issued(record), Paper.Letter));

        a4.GetPage(1).Width.ShouldBe(595, tolerance: 1);
        a4.GetPage(1).Height.ShouldBe(842, tolerance: 1);
        letter.GetPage(1).Width.ShouldBe(612, tolerance: 1);
        letter.GetPage(1).Height.ShouldBe(792, tolerance: 1);
    }

    [Fact]
    public void One_changed_letter_in_the_pdf_text_is_caught_against_the_record()
    {
        var record = SampleRecords.Record(steps: 6, locale: "es");
        var pdf = RecordPdf.Render(Issued(record), Paper.A4);

        var forged = PdfTampering.ChangeOneLetter(pdf);

        RecordPages.TextProblem(record, VisibleText(pdf)).ShouldBeNull();
        RecordPages.TextProblem(record, VisibleText(forged)).ShouldNotBeNull().ShouldStartWith("the PDF shows '");
    }

    [Fact]
    public void A_forty_step_record_draws_every_step_on_its_pages()
    {
        // How fast it draws is the benchmark's business (deploy/local/bench.sh 10 records): no timed assertion here.
        var definition = SampleRecords.Definition(40);
        var events = SampleRecords.Events(definition, "es");
        var images = new Dictionary<string, string> { ["sig-1"] = SampleRecords.SignaturePng };
        var record = RecordBuilder.Build(events, definition, images, new ClinicValues("Clínica del Sol", "Europe/Madrid"), "https://x/keys");

        var text = VisibleText(RecordPdf.Render(Issued(record), Paper.A4));

        // Every block of the record, the fortieth step's included, is on the pages as real text.
        RecordPages.TextProblem(record, text).ShouldBeNull();
    }
}
