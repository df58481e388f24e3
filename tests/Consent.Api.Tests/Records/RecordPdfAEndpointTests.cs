using System.Net;
using Consent.Api.Tests.Support;
using Consent.Contracts.Tests.Records;
using UglyToad.PdfPig;

namespace Consent.Api.Tests.Records;

/// <summary>
/// The PDF the service hands out, for a consent walked on the tablet (a drawn signature, countersigned), meets the
/// PDF/A-3b requirements <see cref="PdfAChecks"/> checks, and its attachments are still the record and JWS that
/// <c>consent verify</c> accepts.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class RecordPdfAEndpointTests(RecordPdfAEndpointTests.Factory factory) : IClassFixture<RecordPdfAEndpointTests.Factory>
{
    public sealed class Factory : ApiFactory;

    [Theory]
    [InlineData("a4")]
    [InlineData("letter")]
    public async Task The_downloaded_pdf_meets_each_pdfa3b_requirement_checked_here_and_still_verifies(string paper)
    {
        var (driver, id, _) = await RecordDriver.Granted(factory, "es");
        using var response = await driver.Coordinator.GetAsync($"/api/consents/{id}/record.pdf?paper={paper}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var pdf = await response.Content.ReadAsByteArrayAsync();
        var record = await RecordDriver.Record(driver.Coordinator, id);

        PdfAChecks.Problems(pdf).ShouldBeEmpty();
        using (var document = PdfDocument.Open(pdf))
        {
            document.Advanced.TryGetEmbeddedFiles(out var files).ShouldBeTrue();
            files.Single(f => f.Name == "record.jws").Bytes.ToArray().ShouldBe(System.Text.Encoding.ASCII.GetBytes(record["jws"]!.GetValue<string>()));
            document.GetPages().SelectMany(p => p.GetImages()).ShouldNotBeEmpty("the drawn signature is in the PDF");
        }
        var verified = await RecordDriver.Verify(await RecordDriver.Save("record.pdf", pdf), "--keys", await RecordDriver.KeysFile(factory));
        verified.Exit.ShouldBe(0, verified.Out + verified.Err);
    }
}
