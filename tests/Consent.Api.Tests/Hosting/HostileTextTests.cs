using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Hosting;

/// <summary>
/// Text that earned a 500 or a wrong answer (#21, item 4): control characters in tokens, filters and forms, extreme
/// dates, duplicate JSON keys and names that show nothing. Each is refused with a 4xx naming the field and stores nothing.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class HostileTextTests(HostileTextTests.Factory factory) : IClassFixture<HostileTextTests.Factory>
{
    public sealed class Factory() : ApiFactory(new Dictionary<string, string?>
    {
        ["Staff:Local:0:Username"] = Coordinator, ["Staff:Local:0:Password"] = Password, ["Staff:Local:0:Role"] = "coordinator", ["Staff:Local:0:Clinic"] = Clinic,
        ["Staff:Local:1:Username"] = Clinician, ["Staff:Local:1:Password"] = Password, ["Staff:Local:1:Role"] = "clinician", ["Staff:Local:1:Clinic"] = Clinic,
    });

    private const string Coordinator = "hostile-text-coordinator", Clinician = "hostile-text-clinician", Password = "a long enough password 1";
    private const string Clinic = "hostile-text";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("sub", "alice\u0000")]
    [InlineData("sub", "al\u0001ice")]
    [InlineData("sub", "alice\r\nX-Injected: 1")]
    [InlineData("clinic", "hostile-text\u0000")]
    public async Task A_token_whose_sub_or_clinic_holds_a_control_character_is_401_or_403_and_stores_nothing(string claim, string value)
    {
        var token = claim == "sub"
            ? LocalTokens.Create(factory.SigningKey, value, StaffRoles.Coordinator, Clinic, TimeSpan.FromHours(1), DateTimeOffset.UtcNow)
            : LocalTokens.Create(factory.SigningKey, "alice", StaffRoles.Coordinator, value, TimeSpan.FromHours(1), DateTimeOffset.UtcNow);
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var before = await CountAsync();

        var create = await client.PostAsync("/api/consents", Json("{\"patientId\":\"TOKEN-1\",\"procedureCode\":\"MSC-1\",\"workflowId\":\"stem-cell-ms\",\"locale\":\"en\"}"));
        var list = await client.GetAsync("/api/consents");
        var me = await client.GetAsync("/api/me");

        foreach (var response in new[] { create, list, me })
        {
            ((int)response.StatusCode).ShouldBeOneOf(401, 403);
        }
        (await CountAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("{\"patientId\":\"A1\",\"patientId\":\"A2\",\"procedureCode\":\"X\",\"workflowId\":\"stem-cell-ms\",\"locale\":\"en\"}", "patientId")]
    [InlineData("{\"patientId\":\"A1\",\"procedureCode\":\"X\",\"workflowId\":\"stem-cell-ms\",\"locale\":\"en\",\"representative\":{\"name\":\"Ann\",\"name\":\"Bob\",\"relationship\":\"son\"}}", "representative.name")]
    public async Task A_json_key_sent_twice_is_400_naming_it(string body, string field)
    {
        var coordinator = factory.ClientAs(StaffRoles.Coordinator, Clinic);
        var before = await CountAsync();

        var response = await coordinator.PostAsync("/api/consents", Json(body));

        await ShouldNameAsync(response, HttpStatusCode.BadRequest, field);
        (await CountAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("\\u200B\\u200D")]
    [InlineData("\\u3164")]
    [InlineData("\\u0301\\u0301")]
    [InlineData("\\u2800 \\u00A0")]
    [InlineData("\\uFE0F\\u2060")]
    public async Task An_invisible_name_is_422_naming_the_field(string name)
    {
        var coordinator = factory.ClientAs(StaffRoles.Coordinator, Clinic);
        var before = await CountAsync();
        var create = await coordinator.PostAsync("/api/consents", Json(
            "{\"patientId\":\"A1\",\"procedureCode\":\"X\",\"workflowId\":\"stem-cell-ms\",\"locale\":\"en\",\"representative\":{\"name\":\"" + name + "\",\"relationship\":\"son\"}}"));
        await ShouldNameAsync(create, HttpStatusCode.UnprocessableEntity, "representative.name");
        (await CountAsync()).ShouldBe(before);

        var driver = new ConsentDriver(factory, Clinic);
        var (id, tablet, _) = await driver.Start(patientId: "INVISIBLE-1");
        await ConsentDriver.Walk(tablet, id, stopAt: "signature");
        var version = await VersionAsync(id);
        var sign = await tablet.PostAsync($"/api/consents/{id}/steps/signature", Json(
            "{\"signerName\":\"" + name + "\",\"signerRole\":\"patient\",\"signatureImage\":\"" + ConsentDriver.SignaturePng + "\",\"intent\":true}"));
        await ShouldNameAsync(sign, HttpStatusCode.UnprocessableEntity, "signerName");
        (await VersionAsync(id)).ShouldBe(version);
    }

    [Fact]
    public async Task A_visible_name_with_marks_and_joiners_is_still_accepted()
    {
        var coordinator = factory.ClientAs(StaffRoles.Coordinator, Clinic);
        var create = await coordinator.PostAsync("/api/consents", Json(
            "{\"patientId\":\"A1\",\"procedureCode\":\"X\",\"workflowId\":\"stem-cell-ms\",\"locale\":\"en\",\"representative\":{\"name\":\"Zoe\\u0301 \\u0645\\u200C\\u062D\",\"relationship\":\"son\"}}"));
        create.StatusCode.ShouldBe(HttpStatusCode.Created, await create.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/dashboard?patient=%00")]
    [InlineData("/dashboard?procedure=MSC%00")]
    [InlineData("/dashboard?status=granted%01")]
    [InlineData("/dashboard?date=9999-12-31")]
    [InlineData("/dashboard?date=0001-01-01")]
    [InlineData("/dashboard?handler=Csv&date=9999-12-31")]
    [InlineData("/dashboard?handler=Rows&date=9999-12-31")]
    [InlineData("/dashboard?needs=%00")]
    [InlineData("/dashboard?pageNumber=99999999999999999999")]
    public async Task A_dashboard_filter_with_control_characters_or_an_extreme_date_is_400(string url)
    {
        var staff = await PageForms.SignedInAsync(factory, Coordinator, Password);
        var response = await staff.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/dashboard?pageNumber=2147483647")]
    [InlineData("/dashboard?date=2999-12-31")]
    [InlineData("/dashboard?needs=soon&pageNumber=2147483647")]
    public async Task A_huge_page_or_the_last_allowed_date_is_an_empty_page(string url)
    {
        var staff = await PageForms.SignedInAsync(factory, Coordinator, Password);
        var response = await staff.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/api/consents?patientId=%00")]
    [InlineData("/api/consents?procedureCode=%00")]
    [InlineData("/api/consents?page=2147483647")]
    [InlineData("/api/consents?page=-1")]
    public async Task The_api_list_never_answers_5xx_for_hostile_filters(string url)
    {
        var response = await factory.ClientAs(StaffRoles.Coordinator, Clinic).GetAsync(url);
        ((int)response.StatusCode).ShouldBeLessThan(500);
    }

    [Theory]
    [InlineData("/dashboard\u0001")]
    [InlineData("/dashboard\r\nSet-Cookie: x=1")]
    [InlineData("/dashboard\u0000")]
    public async Task A_returnUrl_with_control_characters_never_reaches_a_header(string returnUrl)
    {
        var client = PageForms.Client(factory);
        var get = await client.GetAsync("/dashboard/signin?returnUrl=" + Uri.EscapeDataString(returnUrl));
        ((int)get.StatusCode).ShouldBeLessThan(500);

        var post = await PageForms.PostAsync(client, "/dashboard/signin", "/dashboard/signin", ("username", Coordinator), ("password", Password), ("returnUrl", returnUrl));
        ((int)post.StatusCode).ShouldBeLessThan(500);
        post.Headers.Location?.OriginalString.ShouldNotContain("\n");
    }

    [Theory]
    [InlineData("text", "Is it\u0000 safe?", "question")]
    [InlineData("signerName", "Jane\u0000", "step")]
    [InlineData("signerName", "\u200B", "step")]
    public async Task A_tablet_form_with_a_control_character_or_an_invisible_name_is_refused_and_stores_nothing(string field, string value, string handler)
    {
        var driver = new ConsentDriver(factory, Clinic);
        var (id, _, created) = await driver.Start(patientId: "FORM-1");
        var tablet = await PageForms.TabletAsync(factory, created.GetProperty("tabletToken").GetString()!);
        var version = await VersionAsync(id);

        var response = await PageForms.PostAsync(tablet, "/tablet/consent", $"/tablet/consent?handler={handler}",
            ("version", version.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("stepId", "signature"), (field, value));

        await ShouldNameAsync(response, value.Contains('\0') ? HttpStatusCode.BadRequest : HttpStatusCode.UnprocessableEntity, field);
        (await VersionAsync(id)).ShouldBe(version);
    }

    [Theory]
    [InlineData("Countersign", "name", "Dr\u0000 Who")]
    [InlineData("Countersign", "name", "\u3164\u3164")]
    [InlineData("Resume", "note", "all\u0000 clear")]
    public async Task A_dashboard_form_with_a_control_character_or_an_invisible_name_is_refused_and_stores_nothing(string handler, string field, string value)
    {
        var driver = new ConsentDriver(factory, Clinic);
        var (id, _, _) = await driver.Start(patientId: "FORM-2");
        var staff = await PageForms.SignedInAsync(factory, handler == "Countersign" ? Clinician : Coordinator, Password);
        var version = await VersionAsync(id);

        var response = await PageForms.PostAsync(staff, $"/dashboard/consents/{id}", $"/dashboard/consents/{id}?handler={handler}",
            ("version", version.ToString(System.Globalization.CultureInfo.InvariantCulture)), (field, value), ("attestation", "yes"));

        await ShouldNameAsync(response, value.Contains('\0') ? HttpStatusCode.BadRequest : HttpStatusCode.UnprocessableEntity, field);
        (await VersionAsync(id)).ShouldBe(version);
    }

    [Fact]
    public async Task Starting_from_the_dashboard_with_a_control_character_in_the_representative_stores_nothing()
    {
        var staff = await PageForms.SignedInAsync(factory, Coordinator, Password);
        var before = await CountAsync();
        var response = await PageForms.PostAsync(staff, "/dashboard/start", "/dashboard/start",
            ("PatientId", "FORM-3"), ("ProcedureCode", "MSC-1"), ("WorkflowId", "stem-cell-ms"), ("Locale", "en"),
            ("RepresentativeName", "Ann\u0000"), ("RepresentativeRelationship", "son"));
        await ShouldNameAsync(response, HttpStatusCode.BadRequest, "RepresentativeName");
        (await CountAsync()).ShouldBe(before);
    }

    private static async Task ShouldNameAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(text);
    }

    private async Task<long> CountAsync()
    {
        var page = await factory.ClientAs(StaffRoles.Coordinator, Clinic).GetFromJsonAsync<JsonElement>("/api/consents?pageSize=1");
        return page.TryGetProperty("total", out var total) ? total.GetInt64() : page.GetProperty("items").GetArrayLength();
    }

    private async Task<long> VersionAsync(string id) =>
        (await factory.ClientAs(StaffRoles.Coordinator, Clinic).GetFromJsonAsync<JsonElement>($"/api/consents/{id}")).GetProperty("version").GetInt64();
}
