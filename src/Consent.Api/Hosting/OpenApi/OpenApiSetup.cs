using Microsoft.OpenApi;

namespace Consent.Api.Hosting;

/// <summary>
/// The OpenAPI document at /openapi/v1.json. Endpoints state their own operation id, body, responses and headers as
/// metadata on their Map… line (the helpers below); the transformers here turn that metadata into the document and add
/// what the framework cannot see: the health checks, the step inputs by step type, and one problem shape for every 4xx.
/// </summary>
public static class OpenApiSetup
{
    public static IServiceCollection AddConsentOpenApi(this IServiceCollection services) => services.AddOpenApi(o =>
    {
        o.AddSchemaTransformer<WireSchemaTransformer>();
        o.AddOperationTransformer<EndpointMetadataTransformer>();
        o.AddDocumentTransformer<ServiceDescriptionTransformer>();
    });

    /// <summary>The 4xx answers an endpoint gives as problem+json, beyond 401/403 (any secured endpoint) and 429 (every endpoint).</summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProblemResponses(statuses));

    /// <summary>Request headers the endpoint reads (see <see cref="ApiHeaders"/>).</summary>
    public static TBuilder AcceptsHeaders<TBuilder>(this TBuilder builder, params string[] names) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestHeaders(names));

    /// <summary>Response headers the endpoint sets on a status (see <see cref="ApiHeaders"/>).</summary>
    public static TBuilder ProducesHeaders<TBuilder>(this TBuilder builder, int status, params string[] names) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ResponseHeaders(status, names));

    /// <summary>A response body described by a schema of the document's own (one the framework cannot derive from a type).</summary>
    public static TBuilder ProducesSchema<TBuilder>(this TBuilder builder, int status, string schema) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedResponse(status, schema));

    /// <summary>A request body described by a schema of the document's own.</summary>
    public static TBuilder AcceptsSchema<TBuilder>(this TBuilder builder, string schema) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedBody(schema));
}

/// <summary>The HTTP headers the API reads or sets, named once for the endpoints and the document.</summary>
public static class ApiHeaders
{
    public const string IfMatch = "If-Match";
    public const string IdempotencyKey = "Idempotency-Key";
    public const string DeviceId = "X-Device-Id";
    public const string TabletDevice = "Consent-Device";
    public const string ETag = "ETag";
    public const string Location = "Location";
    public const string RetryAfter = "Retry-After";

    internal static readonly IReadOnlyDictionary<string, (string Description, OpenApiSchema Schema)> Described = new Dictionary<string, (string, OpenApiSchema)>
    {
        [IfMatch] = ("The consent's ETag as last read (e.g. \"7\"; the bare version and * are accepted too): the command is refused with 412 when the consent has changed since.",
            new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^(\\*|\"[0-9]+\"|[0-9]+)$" }),
        [IdempotencyKey] = ("Any string of at most 128 characters chosen by the caller: repeating a request with the same key and body returns the first response and appends nothing; the same key with another body is refused with 422.",
            new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 128 }),
        [DeviceId] = ("The calling device's own id (letters, digits, '-' and '_', at most 64), recorded with the events it causes; without it the device is known by a hash of its address.",
            new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[A-Za-z0-9_-]{1,64}$" }),
        [TabletDevice] = ("A tablet's device secret. The service issues it in this response header on the first request that uses a tablet link; the device sends it back on every later request with that link. A request with the link but without the secret (or with another) is refused with 401, whatever X-Device-Id it declares.",
            new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[A-Za-z0-9_-]{43}$" }),
        [ETag] = ("The consent's version, quoted (e.g. \"7\"): send it back as If-Match.",
            new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^\"[0-9]+\"$" }),
        [Location] = ("The new consent's URL, /api/consents/{id}.", new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" }),
        [RetryAfter] = ("Seconds to wait before retrying.", new OpenApiSchema { Type = JsonSchemaType.Integer }),
    };
}

internal sealed record ProblemResponses(IReadOnlyList<int> Statuses);

internal sealed record RequestHeaders(IReadOnlyList<string> Names);

internal sealed record ResponseHeaders(int Status, IReadOnlyList<string> Names);

internal sealed record DocumentedResponse(int Status, string Schema);

internal sealed record DocumentedBody(string Schema);
