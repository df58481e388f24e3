using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Consent.Api.Tests.Consents;
using Consent.Api.Tests.Support;
using Npgsql;

namespace Consent.Api.Tests.Observability;

/// <summary>
/// The relay's numbers with clinics spread over two PostgreSQL servers (docs/adr/0003-clinic-databases.md): each
/// database has its own relay, so the backlog and the lag are told per database, by its configured name.
/// </summary>
[Trait("Category", "Infrastructure")]
[Collection(nameof(ProcessWideTelemetry))]
public sealed partial class ClinicDatabaseTelemetryTests
{
    private static string NewSchema() => "otel_spread_" + Guid.NewGuid().ToString("N")[..8];

    private static async Task<string> GrantedConsent(ApiFactory factory, string clinic)
    {
        var driver = new ConsentDriver(factory, clinic);
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-OTEL");
        (await ConsentDriver.Walk(tablet, id, "lumbar-puncture")).GetProperty("status").GetString().ShouldBe("granted");
        return id;
    }

    [Fact]
    public async Task Walking_consents_of_clinics_on_two_databases_shows_a_backlog_and_a_lag_for_each_database()
    {
        await using var factory = new ApiFactory(ClinicDatabasesTests.Spread(NewSchema()));
        var admin = factory.ClientAs("admin", ClinicDatabasesTests.ClinicA);

        await GrantedConsent(factory, ClinicDatabasesTests.ClinicA);
        await GrantedConsent(factory, ClinicDatabasesTests.ClinicB);

        var scrape = await EventuallyAsync(admin, s =>
            Lines(s, "consent_relay_lag_milliseconds_count", "database=\"default\"").Sum() > 0
            && Lines(s, "consent_relay_lag_milliseconds_count", "database=\"second\"").Sum() > 0
            && Lines(s, "consent_relay_backlog", "database=\"default\"").Any()
            && Lines(s, "consent_relay_backlog", "database=\"second\"").Any());

        Lines(scrape, "consent_relay_backlog", "database=\"default\"").ShouldHaveSingleItem("one backlog for the default database's relay");
        Lines(scrape, "consent_relay_backlog", "database=\"second\"").ShouldHaveSingleItem("one backlog for the second database's relay");
        Lines(scrape, "consent_relay_backlog").Count().ShouldBe(2, "no backlog without a database");
        Lines(scrape, "consent_relay_lag_milliseconds_count", "database=\"default\"").Sum().ShouldBeGreaterThan(0);
        Lines(scrape, "consent_relay_lag_milliseconds_count", "database=\"second\"").Sum().ShouldBeGreaterThan(0);
        // Labels name databases as configured, never a clinic.
        scrape.ShouldNotContain(ClinicDatabasesTests.ClinicB, Case.Insensitive);
    }

    [Fact]
    public async Task A_database_whose_relay_another_instance_leads_has_no_backlog_here_until_its_lock_comes_free()
    {
        var schema = NewSchema();
        // Another instance leading the second database's relay: its leader lock (EventRelay's key) held on that database.
        // Unpooled: closing it ends the session, and with it the lock.
        await using var other = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestInfrastructure.Postgres2) { Pooling = false }.ConnectionString);
        await other.OpenAsync();
        await using (var take = new NpgsqlCommand("select pg_try_advisory_lock(hashtext($1))", other))
        {
            take.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"consent-relay:{schema}:rabbitmq" });
            ((bool)(await take.ExecuteScalarAsync())!).ShouldBeTrue();
        }
        await using var factory = new ApiFactory(ClinicDatabasesTests.Spread(schema));
        var admin = factory.ClientAs("admin", ClinicDatabasesTests.ClinicA);

        var leadingDefault = await EventuallyAsync(admin, s => Lines(s, "consent_relay_backlog", "database=\"default\"").Any());
        Lines(leadingDefault, "consent_relay_backlog", "database=\"default\"").ShouldHaveSingleItem();
        Lines(leadingDefault, "consent_relay_backlog", "database=\"second\"").ShouldBeEmpty("only the relaying instance knows a database's backlog");

        // The other instance goes away: this one takes the second database's relay and tells its backlog.
        await other.DisposeAsync();
        var leadingBoth = await EventuallyAsync(admin, s => Lines(s, "consent_relay_backlog", "database=\"second\"").Any());
        Lines(leadingBoth, "consent_relay_backlog", "database=\"second\"").ShouldHaveSingleItem();
        Lines(leadingBoth, "consent_relay_backlog", "database=\"default\"").ShouldHaveSingleItem();
    }

    private static async Task<string> ScrapeAsync(HttpClient admin)
    {
        var response = await admin.GetAsync(new Uri("/metrics", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return body;
    }

    /// <summary>Scrapes until <paramref name="ready"/> holds (the relay publishes after the answers), at most 30 s.</summary>
    private static async Task<string> EventuallyAsync(HttpClient admin, Func<string, bool> ready)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var scrape = await ScrapeAsync(admin);
            if (ready(scrape) || DateTime.UtcNow > deadline) return scrape;
            await Task.Delay(250);
        }
    }

    /// <summary>The values of metric <paramref name="name"/>'s samples carrying every one of <paramref name="labels"/> (<c>key="value"</c>).</summary>
    private static IEnumerable<double> Lines(string scrape, string name, params string[] labels) =>
        from line in scrape.Split('\n')
        let m = Sample().Match(line)
        where m.Success && m.Groups["name"].Value == name && labels.All(l => m.Groups["labels"].Value.Contains(l, StringComparison.Ordinal))
        select double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?\s*$")]
    private static partial Regex Sample();
}
