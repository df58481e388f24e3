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

    /// <summary>The id the test tablets declare (recorded with their events; it opens nothing by itself).</summary>
    public const string TabletDeviceId = "tablet-7";

    /// <summary>A tablet using the JSON API: it keeps the device secret the service issues on the link's first use.</summary>
    public HttpClient TabletClient(string token)
    {
        var client = factory.CreateDefaultClient(new DeviceSecret());
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        client.DefaultRequestHeaders.Add("X-Device-Id", TabletDeviceId);
        return client;
    }

    /// <summary>Sends back the <c>Consent-Device</c> secret once the service has issued one, as a tablet app would.</summary>
    private sealed class DeviceSecret : DelegatingHandler
    {
        private string? _secret;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (_secret is not null && !request.Headers.Contains("Consent-Device")) request.Headers.Add("Consent-Device", _secret);
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Consent-Device", out var issued)) _secret = issued.First();
            return response;
        }
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
        // A step only a witness signs (v2's witness signature) takes the witness; every other signature the patient's.
        _ => new { signerName = "Jane Doe", signerRole = step.SignerRoles.All(r => r == SignerRole.Witness) ? "witness" : "patient", signatureImage = SignaturePng, intent = true },
    };

    /// <summary>Answers steps on the tablet until none is waiting; returns the last view.</summary>
    public static async Task<JsonElement> Walk(HttpClient tablet, string id, string workflowId = "stem-cell-ms", string route = "iv", bool consent = true, string? stopAt = null)
    {
        var view = await tablet.GetFromJsonAsync<JsonElement>($"/api/consents/{id}");
        // The version the consent started on: a clinic with v2 approved for it (demo) starts v2, the others v1.
        var definition = Workflows.Find(workflowId, view.GetProperty("workflow").GetProperty("version").GetInt32())!;
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
