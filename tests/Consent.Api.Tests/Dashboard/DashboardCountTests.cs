using Consent.Api.Consents;
using Consent.Api.Consents.Listing;
using Consent.Api.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Dashboard;

/// <summary>
/// The dashboard's list counts only as far as a person pages (ConsentListing.PageForPeopleAsync): past that it says
/// "more than", and every page the person asks for still comes back.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class DashboardCountTests(DashboardCountTests.Factory factory) : IClassFixture<DashboardCountTests.Factory>
{
    public sealed class Factory : ApiFactory;

    [Fact]
    public async Task The_count_stops_past_the_page_asked_for_and_says_there_is_more()
    {
        var driver = new ConsentDriver(factory);
        for (var i = 0; i < 5; i++) await driver.Start("lumbar-puncture", patientId: $"P-COUNT-{i}");
        await using var session = factory.Services.GetRequiredService<IDocumentStore>().QuerySession(driver.Clinic);
        var rows = session.Query<ConsentSummary>();

        var first = await ConsentListing.PageForPeopleAsync(rows, 1, 2, CancellationToken.None, countUpTo: 3);
        first.Rows.Count.ShouldBe(2);
        (first.Total, first.More).ShouldBe((3, true));

        // The last page is past the count's usual stop: it counts that far, and finds the end.
        var last = await ConsentListing.PageForPeopleAsync(rows, 3, 2, CancellationToken.None, countUpTo: 3);
        last.Rows.Count.ShouldBe(1);
        (last.Total, last.More).ShouldBe((5, false));

        var all = await ConsentListing.PageForPeopleAsync(rows, 1, 2, CancellationToken.None, countUpTo: 10);
        (all.Total, all.More).ShouldBe((5, false));
        all.Rows.Select(r => r.Id).ShouldBe((await ConsentListing.PageAsync(rows, 1, 2, CancellationToken.None)).Rows.Select(r => r.Id));
        (await ConsentListing.PageForPeopleAsync(rows, int.MaxValue, 2, CancellationToken.None)).Rows.ShouldBeEmpty();
    }
}
