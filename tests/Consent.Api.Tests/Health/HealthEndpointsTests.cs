using System.Net;
using System.Text.Json;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Health;

[Trait("Category", "Infrastructure")]
public sealed class HealthEndpointsTests(HealthEndpointsTests.Factory factory) : IClassFixture<HealthEndpointsTests.Factory>
{
    public sealed class Factory : ApiFactory;

    [Fact]
    public async Task Live_answers_200_without_a_token()
    {
        var response = await factory.CreateClient().GetAsync(new Uri("/health/live", UriKind.Relative));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Ready_answers_200_and_names_each_dependency_when_postgres_and_rabbitmq_are_up()
    {
        var response = await factory.CreateClient().GetAsync(new Uri("/health/ready", UriKind.Relative));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        body.GetProperty("checks").GetProperty("postgres").GetString().ShouldBe("healthy");
        body.GetProperty("checks").GetProperty("rabbitmq").GetString().ShouldBe("healthy");
    }

    [Fact]
    public async Task OpenApi_document_and_reference_page_are_served()
    {
        var client = factory.CreateClient();
        var document = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        document.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await document.Content.ReadAsStringAsync()).ShouldContain("/api/me");

        var page = await client.GetAsync(new Uri("/docs/v1", UriKind.Relative));
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
    }
}
