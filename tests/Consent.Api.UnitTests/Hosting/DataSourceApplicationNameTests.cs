using Consent.Api.Hosting;
using Npgsql;

namespace Consent.Api.UnitTests.Hosting;

/// <summary>
/// Several instances on one database must be told apart in pg_stat_activity (the local cluster names each one's
/// sessions to see which holds the relay lock): an Application Name in the connection string is kept, and a connection
/// string without one still gets the service's name.
/// </summary>
public sealed class DataSourceApplicationNameTests
{
    private const string Server = "Host=127.0.0.1;Port=1;Database=consent;Username=consent_app;Password=x";

    private static string? ApplicationNameOf(string connectionString)
    {
        using var source = HostingSetup.DataSource(connectionString, resetOnReturn: false, prepare: false);
        return new NpgsqlConnectionStringBuilder(source.ConnectionString).ApplicationName;
    }

    [Fact]
    public void An_application_name_in_the_connection_string_is_kept() =>
        ApplicationNameOf(Server + ";Application Name=consent-svc2").ShouldBe("consent-svc2");

    [Fact]
    public void Without_one_the_service_names_its_sessions_consent_api() =>
        ApplicationNameOf(Server).ShouldBe("consent-api");
}
