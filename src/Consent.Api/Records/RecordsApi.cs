using System.Text;
using Consent.Api.Auth;
using Consent.Api.Hosting;
using Marten;

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
        var consents = app.MapGroup("/api/consents").WithTags("Records");
        consents.MapGet("/{id}/record", Json).RequireAuthorization(Policies.TabletOrCareTeam)
            .WithName("getConsentRecord").WithSummary("The signed consent record: the JSON record and its compact JWS (ES256, keys at /.well-known/consent-keys.json).")
            .Produces<RecordDownload>().ProducesProblems(401, 404, 409);
        return app;
    }

    private static async Task<IResult> Json(HttpContext http, string id, SignedRecords records)
    {
        var lookup = await records.GetAsync(http, id, "record.json");
        if (lookup.Issued is not { } issued) return lookup.Refusal!;
        // The record goes out as the very bytes that were signed, so that comparing it with the JWS payload is exact.
        var body = new StringBuilder().Append("{\"record\":").Append(Encoding.UTF8.GetString(issued.Payload))
            .Append(",\"jws\":\"").Append(issued.Jws).Append("\"}").ToString();
        return Results.Text(body, "application/json", Encoding.UTF8);
    }
}

/// <summary>The JSON download: the record and its JWS, whose payload is that record byte for byte.</summary>
public sealed record RecordDownload(Contracts.Records.SignedRecord Record, string Jws);
