using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Consents;

/// <summary>Malformed, oversized, misplaced and malicious input: always the right 4xx, never a change, never a leak.</summary>
[Trait("Category", "Infrastructure")]
public sealed class HostileInputTests(HostileInputTests.Factory factory) : IClassFixture<HostileInputTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private static StringContent Raw(string body, string contentType = "application/json") => new(body, Encoding.UTF8, contentType);

    public static TheoryData<string, string, HttpStatusCode, string> BadStepBodies => new()
    {
        { "malformed json", "{\"acknowledged\": tru", HttpStatusCode.BadRequest, "acknowledged" },
        { "wrong type", "{\"acknowledged\": \"yes\"}", HttpStatusCode.BadRequest, "acknowledged" },
        { "unknown field", "{\"acknowledged\": true, \"admin\": true}", HttpStatusCode.BadRequest, "admin" },
        { "field of another step type", "{\"consent\": true}", HttpStatusCode.UnprocessableEntity, "consent" },
        { "not an object", "[1,2,3]", HttpStatusCode.BadRequest, "body" },
        { "empty", "", HttpStatusCode.BadRequest, "body" },
        { "null", "null", HttpStatusCode.BadRequest, "body" },
        { "false acknowledgement", "{\"acknowledged\": false}", HttpStatusCode.UnprocessableEntity, "acknowledged" },
    };

    [Theory]
    [MemberData(nameof(BadStepBodies))]
    public async Task A_bad_step_body_gets_a_problem_naming_the_field_and_stores_nothing(string why, string body, HttpStatusCode status, string field)
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, created) = await driver.Start();

        var response = await tablet.PostAsync($"/api/consents/{id}/steps/key-information", Raw(body));

        response.StatusCode.ShouldBe(status, why);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue($"{why}: {problem}");
        await ShouldBeUnchanged(driver, id, created);
    }

    [Fact]
    public async Task A_huge_body_is_413_and_a_wrong_media_type_415()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, created) = await driver.Start();

        var huge = await tablet.PostAsync($"/api/consents/{id}/steps/key-information", Raw("{\"acknowledged\": true, \"x\": \"" + new string('a', 400_000) + "\"}"));
        huge.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        var form = await tablet.PostAsync($"/api/consents/{id}/steps/key-information", Raw("acknowledged=true", "application/x-www-form-urlencoded"));
        form.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        await ShouldBeUnchanged(driver, id, created);
    }

    [Fact]
    public async Task An_unknown_step_is_404_and_an_unknown_consent_is_404()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, created) = await driver.Start();

        (await tablet.PostAsync($"/api/consents/{id}/steps/no-such-step", Raw("{\"acknowledged\": true}"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await driver.Coordinator.GetAsync("/api/consents/cns_doesnotexist")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await driver.Coordinator.GetAsync("/api/consents/%27%3B%20drop%20table")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        await ShouldBeUnchanged(driver, id, created);
    }

    public static TheoryData<string, string> BadCreations => new()
    {
        { "{\"procedureCode\":\"X\",\"workflowId\":\"stem-cell-ms\",\"locale\":\"en\"}", "patientId" },
        { "{\"patientId\":\"<script>alert(1)</script>\",\"procedureCode\":\"X\",\"workflowId\":\"stem-cell-ms\",\"locale\":\"en\"}", "patientId" },
        { "{\"patientId\":\"A1\",\"procedureCode\":\"X\",\"workflowId\":\"nope\",\"locale\":\"en\"}", "workflowId" },
        { "{\"patientId\":\"A1\",\"procedureCode\":\"X\",\"workflowId\":\"stem-cell-ms\",\"locale\":\"fr\"}", "locale" },
        { "{\"patientId\":\"A1\",\"procedureCode\":\"X\",\"workflowId\":\"stem-cell-ms\",\"locale\":\"en\",\"representative\":{\"name\":\"\",\"relationship\":\"son\"}}", "representative" },
        { "{\"patientId\":42,\"procedureCode\":\"X\",\"workflowId\":\"stem-cell-ms\",\"locale\":\"en\"}", "patientId" },
        // PostgreSQL's jsonb cannot hold a NUL character: it must be refused at the door, not by the database.
        { "{\"patientId\":\"A1\",\"procedureCode\":\"X\",\"workflowId\":\"stem-cell-ms\",\"locale\":\"en\",\"representative\":{\"name\":\"Ann\\u0000e\",\"relationship\":\"son\"}}", "representative.name" },
    };

    [Theory]
    [MemberData(nameof(BadCreations))]
    public async Task A_bad_new_consent_is_refused_naming_the_field_and_nothing_is_created(string body, string field)
    {
        var driver = new ConsentDriver(factory);

        var response = await driver.Coordinator.PostAsync("/api/consents", Raw(body));

        ((int)response.StatusCode).ShouldBeInRange(400, 422);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        (await driver.Coordinator.GetFromJsonAsync<JsonElement>("/api/consents")).GetProperty("total").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task A_NUL_character_in_any_text_is_a_problem_naming_the_field_and_stores_nothing()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, created) = await driver.Start();
        var question = await tablet.PostAsync($"/api/consents/{id}/questions", Raw("{\"text\":\"why\\u0000?\"}"));
        question.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await question.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("text", out _).ShouldBeTrue();
        var withdrawal = await driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", Raw("{\"reason\":\"\\u0000\"}"));
        withdrawal.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await withdrawal.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("reason", out _).ShouldBeTrue();
        await ShouldBeUnchanged(driver, id, created);
        // The connection that carried nothing bad is as good as before: the next innocent request works.
        (await tablet.PostAsync($"/api/consents/{id}/questions", ConsentDriver.Json(new { text = "why?" }))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Script_in_a_text_field_is_stored_as_text_and_never_echoed_as_markup()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start();

        var asked = await tablet.PostAsync($"/api/consents/{id}/questions", ConsentDriver.Json(new { text = "<script>alert('x')</script>" }));

        asked.StatusCode.ShouldBe(HttpStatusCode.OK);
        asked.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        (await asked.Content.ReadAsStringAsync()).ShouldNotContain("<script>");
    }

    [Fact]
    public async Task Bad_list_filters_are_400_naming_the_parameter()
    {
        var driver = new ConsentDriver(factory);
        foreach (var (query, field) in new[] { ("status=approved", "status"), ("page=0", "page"), ("pageSize=1000", "pageSize"), ("page=abc", "page") })
        {
            var response = await driver.Coordinator.GetAsync($"/api/consents?{query}");
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, query);
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(query);
        }
    }

    [Fact]
    public async Task Wrong_roles_are_refused_on_every_consent_action()
    {
        var driver = new ConsentDriver(factory);
        var (id, _, _) = await driver.Start();
        var integration = factory.ClientAs("integration", driver.Clinic);

        (await integration.GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await driver.Clinician.PostAsync("/api/consents", ConsentDriver.Json(new { patientId = "A", procedureCode = "B", workflowId = "stem-cell-ms", locale = "en" }))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await driver.Coordinator.PostAsync($"/api/consents/{id}/countersign", ConsentDriver.Json(new { name = "x", attestation = true }))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await driver.Coordinator.PostAsync($"/api/consents/{id}/steps/key-information", ConsentDriver.Json(new { acknowledged = true }))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await factory.CreateClient().GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private static async Task ShouldBeUnchanged(ConsentDriver driver, string id, JsonElement created)
    {
        var now = await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}");
        now.GetProperty("version").GetInt64().ShouldBe(created.GetProperty("version").GetInt64());
        now.GetProperty("status").GetString().ShouldBe("pending");
    }
}

[Trait("Category", "Infrastructure")]
public sealed class TabletLinkAndRateLimitTests
{
    [Fact]
    public async Task A_tablet_link_works_only_on_the_first_device_that_opened_it()
    {
        await using var factory = new ApiFactory();
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start();
        (await tablet.GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);

        var token = tablet.DefaultRequestHeaders.Authorization!.Parameter!;
        var other = factory.CreateClient();
        other.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        other.DefaultRequestHeaders.Add("X-Device-Id", "phone-in-the-waiting-room");

        (await other.GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);
        (await tablet.GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
    }

    [Fact]
    public async Task Of_several_devices_racing_to_use_a_fresh_link_exactly_one_gets_it()
    {
        await using var factory = new ApiFactory();
        var driver = new ConsentDriver(factory);
        var (id, first, _) = await driver.Start();
        var token = first.DefaultRequestHeaders.Authorization!.Parameter!;
        var devices = Enumerable.Range(0, 8).Select(_ => driver.TabletClient(token)).ToList();

        var answers = await Task.WhenAll(devices.Select(d => d.GetAsync($"/api/consents/{id}")));
        answers.Count(a => a.StatusCode == System.Net.HttpStatusCode.OK).ShouldBe(1);
        answers.Where(a => a.StatusCode != System.Net.HttpStatusCode.OK).ShouldAllBe(a => a.StatusCode == System.Net.HttpStatusCode.Unauthorized);
        var winner = devices[Array.FindIndex(answers, a => a.StatusCode == System.Net.HttpStatusCode.OK)];
        (await winner.GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, "the device that won keeps the link");
    }

    [Fact]
    public async Task A_copied_link_opens_nothing_even_when_the_copier_declares_the_tablets_own_device_id()
    {
        await using var factory = new ApiFactory();
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start();
        var first = await tablet.GetAsync($"/api/consents/{id}");
        first.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);

        // The tablet's declared id is no secret: it is recorded with every event it causes, for staff to read.
        var token = tablet.DefaultRequestHeaders.Authorization!.Parameter!;
        var copier = factory.CreateClient();
        copier.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        copier.DefaultRequestHeaders.Add("X-Device-Id", ConsentDriver.TabletDeviceId);
        (await copier.GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);
        copier.DefaultRequestHeaders.Add("Consent-Device", new string('A', 43));
        (await copier.GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized, "a guessed secret opens nothing");
        (await tablet.GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_caller_over_its_rate_limit_gets_429_problem_json_and_others_are_unaffected()
    {
        await using var factory = new ApiFactory(new Dictionary<string, string?> { ["RateLimiting:PermitsPerSecond"] = "1", ["RateLimiting:Burst"] = "5" });
        var busy = factory.ClientAs("coordinator", "rate-clinic");
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => busy.GetAsync("/api/me")));

        var limited = responses.Where(r => r.StatusCode == System.Net.HttpStatusCode.TooManyRequests).ToList();
        limited.Count.ShouldBeGreaterThan(0);
        limited[0].Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        limited[0].Headers.RetryAfter.ShouldNotBeNull();
        var other = factory.CreateClient();
        other.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", factory.Token("clinician", "rate-clinic", sub: "someone-else"));
        (await other.GetAsync("/api/me")).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
    }
}
