using System.Net;
using Consent.Api.Tests.Support;
using Consent.Contracts.Records;
using Consent.Workflows.Definitions;
using UglyToad.PdfPig;

namespace Consent.Api.Tests.Records;

public sealed class RecordPdfEndpointTests(RecordPdfEndpointTests.Factory factory) : IClassFixture<RecordPdfEndpointTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private static async Task<byte[]> Pdf(HttpClient client, string id, string query = "")
    {
        using var response = await client.GetAsync($"/api/consents/{id}/record.pdf{query}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/pdf");
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static string Words(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return string.Join(" ", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }

    [Theory]
    [InlineData("en")]
    [InlineData("es")]
    public async Task The_pdf_shows_every_risk_title_and_the_signed_statement_in_the_consents_language(string locale)
    {
        var (driver, id, _) = await RecordDriver.Granted(factory, locale);
        var definition = ConsentDriver.Workflows.Find("stem-cell-ms")!;

        var pdf = await Pdf(driver.Coordinator, id);

        var words = Words(pdf);
        foreach (var risk in definition.Steps.Where(s => s.Type == StepType.Risk)) words.ShouldContain(risk.Title.For(locale, "en"));
        var statement = definition.Steps.Single(s => s.Type == StepType.Signature).Statement.For(locale, "en");
        foreach (var paragraph in RecordPages.Markdown(statement)) words.ShouldContain(paragraph.Text);
        using var document = PdfDocument.Open(pdf);
        document.Advanced.TryGetEmbeddedFiles(out var files).ShouldBeTrue();
        files.Select(f => f.Name).Order().ShouldBe(["record.json", "record.jws"]);
    }

    [Fact]
    public async Task The_cli_verifies_the_pdf_offline_and_catches_one_changed_letter_of_its_text()
    {
        var (driver, id, tablet) = await RecordDriver.Granted(factory, "es");
        var pdf = await Pdf(tablet, id, "?paper=letter&download=true");
        var keys = await RecordDriver.KeysFile(factory);
        var genuine = await RecordDriver.Save("record.pdf", pdf);
        var forged = await RecordDriver.Save("record.pdf", Consent.Contracts.Tests.Records.PdfTampering.ChangeOneLetter(pdf));

        var valid = await RecordDriver.Verify(genuine, "--keys", keys);
        var invalid = await RecordDriver.Verify(forged, "--keys", keys);

        valid.Exit.ShouldBe(0, valid.Out + valid.Err);
        valid.Out.ShouldContain($"VALID consent record {id} (PDF)");
        invalid.Exit.ShouldBe(1, invalid.Out + invalid.Err);
        invalid.Out.ShouldContain("pdf_text: the PDF shows '");
    }

    [Fact]
    public async Task A_paper_size_other_than_a4_or_letter_is_a_problem_naming_the_field()
    {
        var (driver, id, _) = await RecordDriver.Granted(factory);

        using var response = await driver.Coordinator.GetAsync($"/api/consents/{id}/record.pdf?paper=legal");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("\"paper\"");
    }
}
