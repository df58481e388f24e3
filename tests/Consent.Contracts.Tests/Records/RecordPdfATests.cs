using System.Diagnostics;
using Consent.Api.Records;
using Consent.Contracts.Records;

namespace Consent.Contracts.Tests.Records;

/// <summary>
/// The record PDF as PDF/A-3b, checked requirement by requirement (<see cref="PdfAChecks"/>) and by qpdf's structural
/// check; veraPDF, the reference validator, cannot be installed here.
/// </summary>
public sealed class RecordPdfATests
{
    static RecordPdfATests() => RecordFonts.Install(RecordFonts.DefaultDirectory);

    private static byte[] Render(SignedRecord record, Paper paper = Paper.A4) =>
        RecordPdf.Render(new IssuedRecord(RecordJson.ToUtf8(record), "header.payload.signature", record), paper);

    [Theory]
    [InlineData("es", Paper.A4)]
    [InlineData("en", Paper.Letter)]
    public void The_record_pdf_meets_each_pdfa3b_requirement_checked_here(string locale, Paper paper)
    {
        var pdf = Render(SampleRecords.Record(steps: 6, locale: locale), paper);

        PdfAChecks.Problems(pdf).ShouldBeEmpty();
    }

    [Fact]
    public void Metadata_and_info_say_the_same_even_when_the_clinic_name_is_not_plain_xml()
    {
        var record = SampleRecords.Record(steps: 4, locale: "es");
        record = record with { Presentation = record.Presentation with { ClinicName = "Clínica Sol & Luna <Norte> \"Ñ\"" } };

        var pdf = Render(record);

        PdfAChecks.Problems(pdf).ShouldBeEmpty();
        using var document = PdfSharp.Pdf.IO.PdfReader.Open(new MemoryStream(pdf), PdfSharp.Pdf.IO.PdfDocumentOpenMode.Import);
        document.Info.Author.ShouldBe("Clínica Sol & Luna <Norte> \"Ñ\"");
    }

    [Fact]
    public void Qpdf_finds_no_structural_error_in_the_file_or_its_update()
    {
        var path = Path.Combine(Path.GetTempPath(), $"record-pdfa-{Guid.NewGuid():N}.pdf");
        File.WriteAllBytes(path, Render(SampleRecords.Record(steps: 6, locale: "es")));
        try
        {
            var (exit, output) = Qpdf("--check", path);

            exit.ShouldBe(0, output);
            output.ShouldContain("No syntax or stream encoding errors found");
            output.ShouldNotContain("WARNING");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (int Exit, string Output) Qpdf(params string[] args)
    {
        if (!File.Exists("/usr/bin/qpdf")) throw new InvalidOperationException("qpdf is missing: run deploy/local/install.sh pdfcheck (Debian qpdf).");
        var start = new ProcessStartInfo("/usr/bin/qpdf") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }
}
