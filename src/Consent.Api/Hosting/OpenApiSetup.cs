using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Consent.Api.Hosting;

/// <summary>Describes the service and its bearer tokens so the reference page at /docs can call the API.</summary>
internal sealed class BearerSecurityTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Consent API",
            Version = "v1",
            Description = "Informed-consent workflows for clinic tablets, coordinators, clinicians and downstream systems. " +
                "Send a JWT with the claims sub, role (coordinator, clinician, integration, admin) and clinic.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A staff or system token; locally: dotnet run --project src/Consent.Cli -- token --role ROLE --clinic CLINIC --sub NAME",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
        return Task.CompletedTask;
    }
}
