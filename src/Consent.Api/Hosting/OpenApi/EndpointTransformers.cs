using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace Consent.Api.Hosting;

/// <summary>
/// Makes schemas say what goes over the wire: integers are numbers only (requests are read with strict number
/// handling; the framework's default would also offer strings), a property left out when null is not required,
/// and a request body's unknown fields are refused (additionalProperties: false), as <see cref="JsonBody"/> does.
/// </summary>
internal sealed class WireSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.Integer) && type.HasFlag(JsonSchemaType.String))
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
        var info = context.JsonTypeInfo;
        if (info.Kind != System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object || context.JsonPropertyInfo is not null) return Task.CompletedTask;
        foreach (var property in info.Properties)
        {
            var ignore = property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), true).OfType<JsonIgnoreAttribute>().FirstOrDefault();
            if (ignore?.Condition == JsonIgnoreCondition.WhenWritingNull) schema.Required?.Remove(property.Name);
        }
        if (info.Type.Namespace?.StartsWith("Consent.Api", StringComparison.Ordinal) == true && info.Type.Name.EndsWith("Request", StringComparison.Ordinal))
        {
            schema.AdditionalPropertiesAllowed = false;
            schema.AdditionalProperties = null;
        }
        return Task.CompletedTask;
    }
}

/// <summary>Turns an endpoint's documentation metadata into its operation: headers, problem responses, bodies by schema name.</summary>
internal sealed class EndpointMetadataTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var document = context.Document;
        operation.Responses ??= [];

        foreach (var body in metadata.OfType<DocumentedBody>())
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(body.Schema, document) } },
            };
        }
        foreach (var response in metadata.OfType<DocumentedResponse>().OrderBy(r => r.Status))
        {
            operation.Responses[response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = ReasonPhrases.GetReasonPhrase(response.Status),
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(response.Schema, document) } },
            };
        }
        foreach (var name in metadata.OfType<RequestHeaders>().SelectMany(h => h.Names))
        {
            var (description, schema) = ApiHeaders.Described[name];
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter { Name = name, In = ParameterLocation.Header, Required = false, Description = description, Schema = schema });
        }
        foreach (var headers in metadata.OfType<ResponseHeaders>())
        {
            var key = headers.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!operation.Responses.TryGetValue(key, out var found) || found is not OpenApiResponse response)
            {
                throw new InvalidOperationException($"{operation.OperationId}: headers for status {key}, which the endpoint does not produce.");
            }
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            foreach (var name in headers.Names)
            {
                var (description, schema) = ApiHeaders.Described[name];
                response.Headers[name] = new OpenApiHeader { Description = description, Schema = schema, Required = true };
            }
        }

        var anonymous = metadata.OfType<IAllowAnonymous>().Any() || !metadata.OfType<IAuthorizeData>().Any();
        var problems = metadata.OfType<ProblemResponses>().SelectMany(p => p.Statuses).ToList();
        // Every signed-in call reads the database; while it is unreachable the answer is 503 with Retry-After (DatabaseOutage).
        if (!anonymous) problems.AddRange([401, 403, 503]);
        else operation.Security = [];
        problems.Add(429);
        foreach (var status in problems.Distinct().Order())
        {
            var response = ServiceDescriptionTransformer.Problem(status, document);
            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response;
        }
        // A handler returning IResult gets a default 200; an endpoint documented as answering 201 never answers 200.
        if (operation.Responses.ContainsKey("201")) operation.Responses.Remove("200");
        return Task.CompletedTask;
    }
}
