using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Consents;

/// <summary>
/// Whom a consent is for, in the API's ConsentView: the clinic's staff who hand the tablet over read the name and date
/// of birth; the tablet, systems and write answers (and so the stored idempotent answers) never carry them.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class PatientDetailsViewTests(PatientDetailsViewTests.Factory factory) : IClassFixture<PatientDetailsViewTests.Factory>
{
    public sealed class Factory() : ApiFactory(new Dictionary<string, string?> { ["Store:Schema"] = Schema })
    {
        public static readonly string Schema = "patview_" + Guid.NewGuid().ToString("N")[..8];
    }

    private static string Marker(string prefix) => prefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(5));

    private static async Task<(string Id, HttpClient Tablet)> StartNamed(ConsentDriver driver, string name, string? birthDate)
    {
        using var response = await driver.Coordinator.PostAsync("/api/consents", ConsentDriver.Json(new
        {
            patientId = "MRN-2001", procedureCode = "MSC-1", workflowId = "stem-cell-ms", locale = "en", patientName = name, patientBirthDate = birthDate,
        }));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        return (body.GetProperty("id").GetString()!, driver.TabletClient(body.GetProperty("tabletToken").GetString()!));
    }

    private static async Task<JsonElement> Read(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/api/consents/{id}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToString());
        return body;
    }

    [Fact]
    public async Task Coordinators_clinicians_and_admins_of_the_clinic_read_the_patients_name_and_date_of_birth()
    {
        var driver = new ConsentDriver(factory);
        var name = "Ana " + Marker("Ruiz");
        var (id, _) = await StartNamed(driver, name, "1980-04-23");

        foreach (var role in new[] { StaffRoles.Coordinator, StaffRoles.Clinician, StaffRoles.Admin })
        {
            var view = await Read(factory.ClientAs(role, driver.Clinic), id);
            view.GetProperty("patientName").GetString().ShouldBe(name, role);
            view.GetProperty("patientBirthDate").GetString().ShouldBe("1980-04-23", role);
        }

        // Another clinic's staff see no such consent at all.
        using var other = await factory.ClientAs(StaffRoles.Coordinator, "other-" + driver.Clinic).GetAsync($"/api/consents/{id}");
        other.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_name_without_a_date_of_birth_reads_back_without_one_and_a_consent_without_a_name_has_neither_field()
    {
        var driver = new ConsentDriver(factory);
        var (named, _) = await StartNamed(driver, "Luis Ortega", null);
        var view = await Read(driver.Coordinator, named);
        view.GetProperty("patientName").GetString().ShouldBe("Luis Ortega");
        view.TryGetProperty("patientBirthDate", out _).ShouldBeFalse(view.ToString());

        var (anonymous, _, _) = await driver.Start();
        var plain = await Read(driver.Clinician, anonymous);
        plain.TryGetProperty("patientName", out _).ShouldBeFalse(plain.ToString());
        plain.TryGetProperty("patientBirthDate", out _).ShouldBeFalse(plain.ToString());
    }

    [Fact]
    public async Task The_tablet_and_integration_callers_never_get_them_and_write_answers_and_their_stored_replays_hold_no_copy()
    {
        var driver = new ConsentDriver(factory);
        var name = "Marta " + Marker("Lopez");
        var (id, tablet) = await StartNamed(driver, name, "1975-12-01");

        var tabletView = await Read(tablet, id);
        tabletView.TryGetProperty("patientName", out _).ShouldBeFalse(tabletView.ToString());
        tabletView.TryGetProperty("patientBirthDate", out _).ShouldBeFalse(tabletView.ToString());
        using (var integration = await factory.ClientAs(StaffRoles.Integration, driver.Clinic).GetAsync($"/api/consents/{id}"))
        {
            integration.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        // A tablet step with an Idempotency-Key: its answer, its replay and the row kept for the replay name no patient.
        var stepId = tabletView.GetProperty("currentStep").GetProperty("id").GetString()!;
        var answer = ConsentDriver.Answer(ConsentDriver.Workflows.Find("stem-cell-ms")!.FindStep(stepId)!);
        var key = Guid.NewGuid().ToString("N");
        var bodies = new List<string>();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{id}/steps/{stepId}") { Content = ConsentDriver.Json(answer) };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await tablet.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
            bodies.Add(text);
        }
        bodies[1].ShouldBe(bodies[0]);
        bodies[0].ShouldNotContain("patientName");
        bodies[0].ShouldNotContain("1975-12-01");

        // A staff write's answer (resume, countersign…) is a ConsentView too: the same rule holds for staff.
        using (var question = await tablet.PostAsync($"/api/consents/{id}/questions", ConsentDriver.Json(new { text = "How long is the stay?" })))
        {
            question.StatusCode.ShouldBe(HttpStatusCode.OK, await question.Content.ReadAsStringAsync());
        }
        using (var resume = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{id}/resume") { Content = ConsentDriver.Json(new { note = "Explained the stay." }) })
        {
            resume.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            using var resumed = await driver.Coordinator.SendAsync(resume);
            var text = await resumed.Content.ReadAsStringAsync();
            resumed.StatusCode.ShouldBe(HttpStatusCode.OK, text);
            text.ShouldNotContain("patientName");
        }

        var stored = (await StoredRows.ReadAllDocumentsAsync(Factory.Schema, "idempotentresponse")).Where(r => r.Contains(id, StringComparison.Ordinal)).ToList();
        stored.Count.ShouldBe(2);
        stored.ShouldAllBe(row => !row.Contains(name.Split(' ', StringSplitOptions.None)[1], StringComparison.OrdinalIgnoreCase) && !row.Contains("1975-12-01", StringComparison.Ordinal));

        // The staff's own read still has them.
        (await Read(driver.Coordinator, id)).GetProperty("patientName").GetString().ShouldBe(name);
    }
}
