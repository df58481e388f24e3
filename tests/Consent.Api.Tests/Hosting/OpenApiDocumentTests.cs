using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Consent.Api.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Consent.Api.Consents.Listing;

namespace Consent.Api.Tests.Hosting;

/// <summary>The OpenAPI document the service serves is valid, complete, and says what the service really answers.</summary>
[Trait("Category", "Infrastructure")]
public sealed class OpenApiDocumentTests(OpenApiDocumentTests.Factory factory) : IClassFixture<OpenApiDocumentTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    private async Task<JsonObject> ServedDocument() =>
        (await factory.CreateClient().GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;

    private async Task<IEnumerable<(string Path, string Method, JsonObject Operation)>> Operations()
    {
        var document = await ServedDocument();
        return document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(op => Methods.Contains(op.Key))
            .Select(op => (path.Key, op.Key, op.Value!.AsObject())));
    }

    [Fact]
    public async Task The_served_document_passes_redocly_lint_with_no_errors()
    {
        var file = ApiDocumentTools.ScratchFile("openapi.json");
        await File.WriteAllTextAsync(file, await factory.CreateClient().GetStringAsync("/openapi/v1.json"));
        var (errors, warnings, report) = await ApiDocumentTools.RedoclyLintAsync(file);
        errors.ShouldBe(0, report);
        // The only warnings accepted: no public licence to name, and the test server's own address.
        report.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldAllBe(line => line.StartsWith("warn info-license", StringComparison.Ordinal)
            || line.StartsWith("warn no-server-example.com", StringComparison.Ordinal), report);
        warnings.ShouldBeLessThanOrEqualTo(2, report);
    }

    [Fact]
    public async Task Every_endpoint_of_the_API_is_documented_under_a_unique_operation_id()
    {
        var documented = (await Operations()).ToList();
        var ids = documented.Select(o => o.Operation["operationId"]?.GetValue<string>()).ToList();
        ids.ShouldAllBe(id => !string.IsNullOrEmpty(id));
        ids.ShouldBeUnique();

        var mapped = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Path: "/" + e.RoutePattern.RawText!.Trim('/'), Methods: e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]))
            .Where(e => e.Path.StartsWith("/api/", StringComparison.Ordinal) || e.Path.StartsWith("/health/", StringComparison.Ordinal)
                || e.Path.StartsWith("/.well-known/", StringComparison.Ordinal) || e.Path == "/asyncapi.yaml")
            .SelectMany(e => e.Methods.Select(m => $"{m.ToLowerInvariant()} {e.Path}"))
            .ToList();
        mapped.ShouldNotBeEmpty();
        mapped.Except(documented.Select(o => $"{o.Method} {o.Path}")).ShouldBeEmpty("every mapped API endpoint is in the document");
        documented.Select(o => $"{o.Method} {o.Path}").ShouldContain("get /api/gate/subscribers");
        documented.Select(o => $"{o.Method} {o.Path}").ShouldContain("get /api/gate/changes");
        documented.Select(o => $"{o.Method} {o.Path}").ShouldContain("get /.well-known/consent-keys.json");
    }

    [Fact]
    public async Task Every_4xx_is_problem_json_and_every_success_names_its_schema()
    {
        foreach (var (path, method, operation) in await Operations())
        {
            var responses = operation["responses"]!.AsObject();
            responses.Select(r => r.Key).ShouldContain(k => k.StartsWith('2'), $"{method} {path}");
            responses.Select(r => r.Key).ShouldContain("429", $"{method} {path}: the rate limiter answers every route");
            foreach (var (status, response) in responses.Where(r => r.Key.StartsWith('4')))
            {
                response!["content"]!.AsObject().Select(c => c.Key).ShouldBe(["application/problem+json"], $"{method} {path} {status}");
            }
            var success = responses.First(r => r.Key.StartsWith('2')).Value!;
            success["content"].ShouldNotBeNull($"{method} {path}: the success response has a body schema");
            if (operation["security"] is not JsonArray { Count: 0 })
            {
                responses.Select(r => r.Key).ShouldContain("401", $"{method} {path}");
                responses.Select(r => r.Key).ShouldContain("403", $"{method} {path}");
            }
        }
    }

    [Fact]
    public async Task Create_step_and_command_operations_document_their_status_codes_and_headers()
    {
        var operations = (await Operations()).ToDictionary(o => o.Operation["operationId"]!.GetValue<string>(), o => o.Operation);
        static IEnumerable<string> Headers(JsonObject op) =>
            op["parameters"]?.AsArray().Where(p => p!["in"]!.GetValue<string>() == "header").Select(p => p!["name"]!.GetValue<string>()) ?? [];

        var create = operations["createConsent"]["responses"]!.AsObject();
        create.Select(r => r.Key).ShouldNotContain("200");
        create["201"]!["headers"]!.AsObject().Select(h => h.Key).ShouldBe(["Location", "ETag"], ignoreOrder: true);
        operations["getConsent"]["responses"]!["200"]!["headers"]!.AsObject().Select(h => h.Key).ShouldContain("ETag");
        foreach (var command in new[] { "submitStep", "raiseQuestion", "resumeConsent", "countersignConsent", "reaffirmConsent", "withdrawConsent" })
        {
            Headers(operations[command]).ShouldBe(["If-Match", "Idempotency-Key", "X-Device-Id", "Consent-Device"], ignoreOrder: true, command);
            operations[command]["responses"]!.AsObject().Select(r => r.Key).ShouldContain("409", command);
            operations[command]["responses"]!.AsObject().Select(r => r.Key).ShouldContain("412", command);
            operations[command]["responses"]!["200"]!["headers"]!.AsObject().Select(h => h.Key).ShouldContain("ETag", command);
        }
        var schemas = (await ServedDocument())["components"]!["schemas"]!.AsObject();
        schemas["StepInput"]!["oneOf"]!.AsArray().Count.ShouldBe(7, "one input shape per step type");
        operations["submitStep"]["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>().ShouldBe("#/components/schemas/StepInput");
    }

    /// <summary>Real answers of the running service, each checked by ajv against the schema the document gives it.</summary>
    [Fact]
    public async Task Real_responses_match_the_documented_schemas_and_status_codes()
    {
        var driver = new ConsentDriver(factory);
        var captured = new List<(string What, string Schema, JsonNode? Body)>();
        async Task<JsonNode?> Capture(HttpResponseMessage response, HttpStatusCode status, string schema, string what)
        {
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(status, $"{what}: {text}");
            var body = JsonNode.Parse(text);
            captured.Add((what, schema, body));
            return body;
        }

        var coordinator = driver.Coordinator;
        var created = await coordinator.PostAsync("/api/consents", ConsentDriver.Json(new { patientId = "P-DOC", procedureCode = "LP-1", workflowId = "lumbar-puncture", locale = "en" }));
        var view = (await Capture(created, HttpStatusCode.Created, "CreatedConsent", "createConsent"))!;
        created.Headers.Location!.ToString().ShouldBe($"/api/consents/{view["id"]}");
        created.Headers.ETag.ShouldNotBeNull();
        var id = view["id"]!.GetValue<string>();
        var tablet = driver.TabletClient(view["tabletToken"]!.GetValue<string>());
        var current = await Capture(await tablet.GetAsync($"/api/consents/{id}"), HttpStatusCode.OK, "ConsentView", "getConsent");
        var step = ConsentDriver.Workflows.Find("lumbar-puncture")!.FindStep(current!["currentStep"]!["id"]!.GetValue<string>())!;
        await Capture(await tablet.PostAsync($"/api/consents/{id}/steps/{step.Id}", ConsentDriver.Json(ConsentDriver.Answer(step))), HttpStatusCode.OK, "ConsentView", "submitStep");
        await Capture(await tablet.PostAsync($"/api/consents/{id}/steps/{step.Id}", ConsentDriver.Json(ConsentDriver.Answer(step))), HttpStatusCode.Conflict, "Problem", "submitStep again");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        await Capture(await coordinator.GetAsync("/api/consents?pageSize=5"), HttpStatusCode.OK, "ConsentPage", "listConsents");
        await Capture(await coordinator.GetAsync("/api/consents?status=nonsense"), HttpStatusCode.BadRequest, "Problem", "listConsents bad status");
        var history = await Capture(await coordinator.GetAsync($"/api/consents/{id}/history"), HttpStatusCode.OK, "JsonElement", "getConsentHistory");
        captured.AddRange(history!.AsArray().Select(e => ("history entry", "HistoryEntry", e?.DeepClone())));
        await Capture(await coordinator.GetAsync($"/api/consents/{id}/verify"), HttpStatusCode.OK, "ChainCheck", "verifyConsentChain");
        await Capture(await coordinator.GetAsync($"/api/consents/{id}/acks"), HttpStatusCode.OK, "ConsentAcks", "getConsentAcks");
        await Capture(await coordinator.GetAsync("/api/consents/cns_missing/acks"), HttpStatusCode.NotFound, "Problem", "getConsentAcks unknown");
        var integration = factory.ClientAs("integration", driver.Clinic);
        await Capture(await integration.GetAsync("/api/gate?patientId=P-DOC&procedureCode=LP-1"), HttpStatusCode.OK, "GateResponse", "getGate");
        await Capture(await integration.GetAsync("/api/gate?patientId=P-NONE&procedureCode=LP-1"), HttpStatusCode.OK, "GateResponse", "getGate without consent");
        await Capture(await integration.GetAsync("/api/gate?patientId=&procedureCode=LP-1"), HttpStatusCode.BadRequest, "Problem", "getGate bad patient");
        using (var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{id}/withdraw") { Content = ConsentDriver.Json(new { reason = "changed_mind" }) })
        {
            stale.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
            await Capture(await coordinator.SendAsync(stale), HttpStatusCode.PreconditionFailed, "Problem", "withdrawConsent with a stale If-Match");
        }
        await Capture(await coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "changed_mind" })), HttpStatusCode.OK, "ConsentView", "withdrawConsent");
        await Capture(await factory.CreateClient().GetAsync("/api/me"), HttpStatusCode.Unauthorized, "Problem", "getCaller without a token");
        await Capture(await coordinator.GetAsync("/api/me"), HttpStatusCode.OK, "CallerView", "getCaller");
        var workflows = await Capture(await coordinator.GetAsync("/api/workflows"), HttpStatusCode.OK, "JsonElement", "listWorkflows");
        captured.AddRange(workflows!.AsArray().Select(w => ("workflow", "WorkflowSummary", w?.DeepClone())));
        await Capture(await coordinator.GetAsync("/api/workflows/lumbar-puncture"), HttpStatusCode.OK, "WorkflowView", "getWorkflow");
        await Capture(await factory.CreateClient().GetAsync("/health/live"), HttpStatusCode.OK, "HealthView", "healthLive");
        await Capture(await factory.CreateClient().GetAsync("/health/ready"), HttpStatusCode.OK, "HealthView", "healthReady");

        var openApi = ApiDocumentTools.ScratchFile("openapi.json");
        await File.WriteAllTextAsync(openApi, await factory.CreateClient().GetStringAsync("/openapi/v1.json"));
        var responses = ApiDocumentTools.ScratchFile("responses.jsonl");
        await File.WriteAllLinesAsync(responses, captured.Select(c => new JsonObject { ["what"] = c.What, ["schema"] = c.Schema, ["body"] = c.Body?.DeepClone() }.ToJsonString()));
        var result = await ApiDocumentTools.ScriptAsync("responses", openApi, responses);
        result.GetProperty("failures").GetArrayLength().ShouldBe(0, result.GetProperty("failures").ToString());
        result.GetProperty("checked").GetInt32().ShouldBe(captured.Count);
    }
}
