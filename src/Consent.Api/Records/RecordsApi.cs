using System.Text;
using Consent.Api.Auth;
using Consent.Api.Hosting;
using Marten;
using Microsoft.AspNetCore.Authorization;

namespace Consent.Api.Records;

/// <summary>The signed consent record: JSON + JWS, the patient's PDF, FHIR R4.</summary>
public static class RecordsApi
{
    public static IServiceCollection AddRecords(this IServiceCollection services)
    {
        services.AddSingleton<ClinicValuesSource>();
        services.AddScoped<SignedRecords>();
        services.ConfigureMarten(options => options.Schema.For<StoredConsentRecord>().Index(r => r.ConsentId));
        return services;
    }

    public static IEndpointRouteBuilder MapRecordsApi(this IEndpointRouteBuilder app)
    {
        // Read now rather than at the first download: a missing font stops the start, not a patient's copy.
        RecordFonts.Install(app.ServiceProvider.GetRequiredService<IConfiguration>()["Records:FontDirectory"]);
        var consents = app.MapGroup("/api/consents").WithTags("Records");
        consents.MapGet("/{id}/record", Json).RequireAuthorization(Policies.TabletOrCareTeam)
            .WithName("getConsentRecord").WithSummary("The signed consent record: the JSON record and its compact JWS (ES256, keys at /.well-known/consent-keys.json).")
            .Produces<RecordDownload>().ProducesProblems(401, 404, 409);
        consents.MapGet("/{id}/record.pdf", Pdf).RequireAuthorization(Policies.TabletOrCareTeam)
            .WithName("getConsentRecordPdf").WithSummary("The patient's copy as a PDF/A-3b file (A4 or Letter), with the JSON record and its JWS attached.")
            .Produces<byte[]>(StatusCodes.Status200OK, "application/pdf").ProducesProblems(400, 401, 404, 409);
        consents.MapGet("/{id}/fhir", Fhir).RequireAuthorization(Policies.GateReaders)
            .WithName("getConsentFhir").WithSummary("The record as a FHIR R4 Bundle: Consent, Provenance (its signature is the record's JWS) and DocumentReference for the PDF.")
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status200OK, RecordFhir.MediaType).ProducesProblems(401, 404, 409);

        app.MapGet("/api/records/export", RecordExport.ExportAsync).RequireAuthorization(Policies.CoordinatorOrClinician).WithTags("Records")
            .WithName("exportConsentRecords").WithSummary("The clinic's records last changed in a date range (from, to: yyyy-MM-dd, at most 366 days), as a zip streamed as it is written: per consent record.json (JSON+JWS) and record.pdf.")
            .Produces<byte[]>(StatusCodes.Status200OK, "application/zip").ProducesProblems(400);
        app.MapGet("/dashboard/records.zip", RecordExport.ExportAsync)
            .RequireAuthorization(new AuthorizeAttribute(Policies.CoordinatorOrClinician) { AuthenticationSchemes = Dashboard.DashboardSetup.CookieScheme })
            .ExcludeFromDescription();
        foreach (var (path, handler) in new (string, Delegate)[] { ("record.json", Json), ("record.pdf", Pdf), ("fhir", Fhir) })
        {
            app.MapGet($"/dashboard/consents/{{id}}/{path}", handler)
                .RequireAuthorization(new AuthorizeAttribute(Policies.CoordinatorOrClinician) { AuthenticationSchemes = Dashboard.DashboardSetup.CookieScheme })
                .ExcludeFromDescription();
        }

        // The tablet's "Your copy" and the dashboard reach the same records through their own cookie sessions, whose
        // cookies are scoped to /tablet and /dashboard.
        app.MapGet("/tablet/copy.pdf", (HttpContext http, SignedRecords records) =>
                Pdf(http, http.User.FindFirst(TabletClaims.Consent)!.Value, null, null, records))
            .RequireAuthorization(new AuthorizeAttribute(Policies.Tablet) { AuthenticationSchemes = Tablet.TabletUi.CookieScheme })
            .ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> Json(HttpContext http, string id, SignedRecords records)
    {
        var lookup = await records.GetAsync(http, id, "record.json");
        if (lookup.Issued is not { } issued) return lookup.Refusal!;
        return Results.Bytes(DownloadBytes(issued), "application/json");
    }

    /// <summary>The record goes out as the very bytes that were signed, so that comparing it with the JWS payload is exact.</summary>
    internal static byte[] DownloadBytes(IssuedRecord issued) =>
        [.. "{\"record\":"u8, .. issued.Payload, .. ",\"jws\":\""u8, .. Encoding.ASCII.GetBytes(issued.Jws), .. "\"}"u8];

    private static async Task<IResult> Pdf(HttpContext http, string id, string? paper, string? download, SignedRecords records)
    {
        if (PaperOf(paper) is not { } size) return Problems.Field(StatusCodes.Status400BadRequest, "paper", "paper is a4 or letter.");
        if (download is not (null or "true" or "false")) return Problems.Field(StatusCodes.Status400BadRequest, "download", "download is true or false.");
        var lookup = await records.GetAsync(http, id, "record.pdf");
        if (lookup.Issued is not { } issued) return lookup.Refusal!;
        var name = $"consent-record-{id}.pdf";
        // Inline by default so that a tablet or browser shows it to print; download=true saves it.
        http.Response.Headers.ContentDisposition = $"{(download == "true" ? "attachment" : "inline")}; filename=\"{name}\"";
        return Results.Bytes(RecordPdf.Render(issued, size), "application/pdf");
    }

    private static async Task<IResult> Fhir(HttpContext http, string id, SignedRecords records, ClinicValuesSource clinics)
    {
        var lookup = await records.GetAsync(http, id, "fhir");
        if (lookup.Issued is not { } issued) return lookup.Refusal!;
        var pdfUrl = $"{records.BaseUrl(http)}/api/consents/{id}/record.pdf";
        var bundle = RecordFhir.Build(issued, RecordPdf.Render(issued, Paper.A4), pdfUrl, clinics.PatientIdentifierSystem(issued.Record.ClinicId));
        return Results.Text(RecordFhir.Serialize(bundle), RecordFhir.MediaType, Encoding.UTF8);
    }

    private static Paper? PaperOf(string? paper) => paper?.ToUpperInvariant() switch
    {
        null or "A4" => Paper.A4,
        "LETTER" => Paper.Letter,
        _ => null,
    };
}

/// <summary>The JSON download: the record and its JWS, whose payload is that record byte for byte.</summary>
public sealed record RecordDownload(Contracts.Records.SignedRecord Record, string Jws);
