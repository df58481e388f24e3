using System.IO.Compression;
using System.Net;
using System.Text;
using Consent.Api.Auditing;
using Consent.Api.Tests.Support;
using Consent.Contracts.Records;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Records;

public sealed class RecordDownloadTests(RecordDownloadTests.Factory factory) : IClassFixture<RecordDownloadTests.Factory>
{
    public sealed class Factory : ApiFactory;

    [Fact]
    public async Task A_clinics_records_for_a_date_range_export_as_a_zip_of_verifiable_records_each_logged()
    {
        var (driver, first, _) = await RecordDriver.Granted(factory);
        var (second, tablet, _) = await driver.Start(locale: "es");
        await ConsentDriver.Walk(tablet, second, consent: false);
        var (reading, _, _) = await driver.Start();
        var (other, otherId, _) = await RecordDriver.Granted(factory);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        using var response = await driver.Coordinator.GetAsync($"/api/records/export?from={today}&to={today}", HttpCompletionOption.ResponseHeadersRead);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/zip");
        response.Content.Headers.ContentLength.ShouldBeNull(); // streamed, not buffered
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        zip.Entries.Select(e => e.FullName).Order().ShouldBe(new[]
        {
            $"{first}/record.json", $"{first}/record.pdf", $"{second}/record.json", $"{second}/record.pdf", $"{reading}/no-record.txt",
        }.Order());
        var keys = await RecordDriver.Keys(factory);
        foreach (var id in new[] { first, second })
        {
            using var json = new StreamReader(zip.GetEntry($"{id}/record.json")!.Open(), Encoding.UTF8);
            RecordVerifier.VerifyDownload(await json.ReadToEndAsync(), keys).Problems.ShouldBeEmpty();
        }
        zip.Entries.ShouldNotContain(e => e.FullName.StartsWith(otherId, StringComparison.Ordinal));
        await using var session = factory.Services.GetRequiredService<IDocumentStore>().QuerySession(driver.Clinic);
        (await session.Query<AccessRecord>().Where(a => a.What == "export").Select(a => a.ConsentId).ToListAsync()).Order().ShouldBe(new[] { first, second }.Order());
        other.Clinic.ShouldNotBe(driver.Clinic);
    }

    [Theory]
    [InlineData("from=2026-13-01&to=2026-12-31", "from")]
    [InlineData("from=2026-01-02&to=2026-01-01", "to")]
    [InlineData("from=2024-01-01&to=2026-01-01", "to")]
    [InlineData("to=2026-01-01", "from")]
    public async Task An_export_with_a_bad_date_range_is_a_problem_naming_the_field(string query, string field)
    {
        var driver = new ConsentDriver(factory);

        using var response = await driver.Coordinator.GetAsync($"/api/records/export?{query}");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain($"\"{field}\"");
    }
}
