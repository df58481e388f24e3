using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Workflows.Definitions;
using Consent.Workflows.Loading;

namespace Consent.Api.Tests.Support;

/// <summary>Plays coordinator, tablet and clinician against the real HTTP API, one clinic per test.</summary>
public sealed class ConsentDriver(ApiFactory factory, string? clinic = null)
{
    public static readonly WorkflowCatalog Workflows = WorkflowCatalog.LoadDirectory(Path.Combine(TestInfrastructure.RepoRoot, "workflows"));

    public static readonly string SignaturePng =
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII=";

    public string Clinic { get; } = clinic ?? "clinic-" + Guid.NewGuid().ToString("N")[..8];
    public HttpClient Coordinator => factory.ClientAs(StaffRoles.Coordinator, Clinic);
    /// <summary>A clinician whose token names them (staff signatures are in the account's name) and who signed in just now.</summary>
    public HttpClient Clinician => factory.ClientAs(StaffRoles.Clinician, Clinic, "Dr. Rivera");

    public HttpClient TabletClient(string token)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        client.DefaultRequestHeaders.Add("X-Device-Id", "tablet-7");
        return client;
    }

    public static StringContent Json(object body) => new(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json");

    public async Task<(string Id, HttpClient Tablet, JsonElement View)> Start(string workflowId = "stem-cell-ms", string patientId = "MRN-1001", string locale = "en")
    {
        var response = await Coordinator.PostAsync("/api/consents", Json(new { patientId, procedureCode = "MSC-1", workflowId, locale }));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, body.ToString());
        return (body.GetProperty("id").GetString()!, TabletClient(body.GetProperty("tabletToken").GetString()!), body);
    }

    /// <summary>The body a careful patient sends for the current step.</summary>
    public static object Answer(StepDefinition step, string route = "iv", bool consent = true) => step.Type switch
    {
        StepType.Explain => new { acknowledged = true },
        StepType.Risk => new { acknowledged = true, initials = "JD" },
        StepType.Quiz => new { answer = step.CorrectOption },
        StepType.Choice => new { option = route },
        StepType.Provision => new { accept = true },
        StepType.Decision => new { consent },
        _ => new { signerName = "Jane Doe", signerRole = "patient", signatureImage = SignaturePng, intent = true },
    };

    /// <summary>Answers steps on the tablet until none is waiting; returns the last view.</summary>
    public static async Task<JsonElement> Walk(HttpClient tablet, string id, string workflowId = "stem-cell-ms", string route = "iv", bool consent = true, string? stopAt = null)
    {
        var definition = Workflows.Find(workflowId)!;
        var view = await tablet.GetFromJsonAsync<JsonElement>($"/api/consents/{id}");
        for (var guard = 0; view.TryGetProperty("currentStep", out var current) && current.ValueKind == JsonValueKind.Object; guard++)
        {
            guard.ShouldBeLessThan(200);
            var stepId = current.GetProperty("id").GetString()!;
            if (stepId == stopAt) break;
            var response = await tablet.PostAsync($"/api/consents/{id}/steps/{stepId}", Json(Answer(definition.FindStep(stepId)!, route, consent)));
            view = await response.Content.ReadFromJsonAsync<JsonElement>();
            response.IsSuccessStatusCode.ShouldBeTrue(view.ToString());
        }
        return view;
    }
}
