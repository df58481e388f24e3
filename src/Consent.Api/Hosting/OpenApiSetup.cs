using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Consent.Api.Consents;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
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

    /// <summary>
    /// A command on one consent through <see cref="ConsentCommandPipeline"/>: a JSON body, the answer a ConsentView with its
    /// ETag, optional If-Match / Idempotency-Key / X-Device-Id, and the pipeline's refusals.
    /// </summary>
    public static RouteHandlerBuilder DocumentedAsConsentCommand<TBody>(this RouteHandlerBuilder builder, string operationId) where TBody : notnull =>
        builder.WithName(operationId).Accepts<TBody>("application/json").DocumentedAsConsentCommand();

    public static RouteHandlerBuilder DocumentedAsConsentCommand(this RouteHandlerBuilder builder) =>
        builder.Produces<ConsentView>().ProducesHeaders(StatusCodes.Status200OK, ApiHeaders.ETag)
            .AcceptsHeaders(ApiHeaders.IfMatch, ApiHeaders.IdempotencyKey, ApiHeaders.DeviceId)
            .ProducesProblems(400, 404, 409, 412, 413, 415, 422);
}

/// <summary>The HTTP headers the API reads or sets, named once for the endpoints and the document.</summary>
public static class ApiHeaders
{
    public const string IfMatch = "If-Match";
    public const string IdempotencyKey = "Idempotency-Key";
    public const string DeviceId = "X-Device-Id";
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

// Shapes the handlers write as anonymous objects, named here so the document can describe them.
// OpenApiDocumentTests checks real responses against the served schemas, so these cannot drift unnoticed.

/// <summary>One page of the clinic's consents (their current step without its body).</summary>
public sealed record ConsentPage(IReadOnlyList<ConsentView> Items, int Total);

/// <summary>One stored event with its place in the consent's hash chain.</summary>
public sealed record HistoryEntry(long Seq, string Type, DateTimeOffset At, HistoryActor Actor, JsonElement Data, string? PrevHash, string? Hash);

/// <summary>Who caused an event: token subject and role, and the device it came from.</summary>
public sealed record HistoryActor(string? Sub, string? Role, string? Device);

/// <summary>The hash chain recomputed from storage; <c>brokenAtSeq</c> is the first event that does not verify.</summary>
public sealed record ChainCheck(bool Valid, int Events, long? BrokenAtSeq);

/// <summary>What a subscriber has confirmed for a patient and procedure: the highest sequence, never lowered.</summary>
public sealed record GateAckConfirmation(string Subscriber, string PatientId, string ProcedureCode, long Sequence, DateTimeOffset ConfirmedAt);

/// <summary>The answer of /health/live and /health/ready: overall and per-dependency state.</summary>
public sealed record HealthView(string Status, IReadOnlyDictionary<string, string> Checks);

/// <summary>A registered gate subscriber of the caller's clinic.</summary>
public sealed record GateSubscriberView(string Name);

/// <summary>The caller's clinic's gate changes after <c>since</c>, in sequence order; pass <c>next</c> as the next <c>since</c>.</summary>
public sealed record GateChangesPage(IReadOnlyList<Contracts.SchedulingGateChanged> Items, long Next);

/// <summary>The public keys that sign records, events and chain heads (RFC 7517 JWKS).</summary>
public sealed record ConsentKeySet(IReadOnlyList<ConsentPublicKey> Keys);

/// <summary>One P-256 public key, by <c>kid</c>; retired keys stay listed so that old signatures still verify.</summary>
public sealed record ConsentPublicKey(string Kty, string Crv, string X, string Y, string Kid, string Use, string Alg);

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
        if (!anonymous) problems.AddRange([401, 403]);
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

/// <summary>
/// The document as a whole: who may call what, the health checks, the step inputs by type, the one problem shape,
/// and the enumerations the contract fixes. Runs after the operations are built.
/// </summary>
internal sealed class ServiceDescriptionTransformer : IOpenApiDocumentTransformer
{
    private static readonly string[] ConsentStatuses =
        ["pending", "in_progress", "needs_discussion", "awaiting_countersign", "granted", "declined", "withdrawn", "expired", "superseded"];

    private static readonly string[] StepTypes = ["explain", "risk", "quiz", "choice", "provision", "decision", "signature"];

    private static readonly (string Name, string Description)[] Tags =
    [
        ("Consents", "Start a consent, walk it on the tablet, and read its history and hash chain."),
        ("Workflows", "The published consent workflows and a linter for new definitions."),
        ("Scheduling gate", "Whether a procedure may be scheduled, and the subscribers' confirmations of gate changes."),
        ("Identity", "Who the service takes the caller to be."),
        ("Health", "Liveness and readiness for orchestrators and load balancers."),
        ("Keys", "The public keys that verify signed records and events."),
    ];

    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Consent API",
            Version = "v1",
            Description = "Informed-consent workflows for clinic tablets, coordinators, clinicians and downstream systems. " +
                "Send a JWT with the claims sub, role (coordinator, clinician, integration, admin) and clinic; a tablet sends the tablet token " +
                "it was given when its consent was created. Every 4xx is application/problem+json naming the field at fault in `errors`. " +
                "Events on RabbitMQ are described by the AsyncAPI document at /asyncapi.yaml.",
        };
        foreach (var server in document.Servers ?? []) server.Url = server.Url?.TrimEnd('/');
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A staff or system token (locally: dotnet run --project src/Consent.Cli -- token --role ROLE --clinic CLINIC --sub NAME), or a consent's tablet token.",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
        document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));

        document.AddComponent("Problem", ProblemSchema());
        AddStepInputs(document);
        await AddSchemaAsync<HealthView>(document, context, cancellationToken);
        AddCreatedConsent(document);
        Enumerate(document, "ConsentView", "status", ConsentStatuses);
        Enumerate(document, "StepView", "type", StepTypes);
        Enumerate(document, "GateResponse", "reason", Contracts.GateReasons.All);

        document.Paths ??= [];
        document.Paths["/health/live"] = Health("live", "The process is up (no dependency is checked).", ready: false, document);
        document.Paths["/health/ready"] = Health("ready", "PostgreSQL and RabbitMQ answer; 503 while either is unreachable.", ready: true, document);
        await DescribeGateChangesAsync(document, context, cancellationToken);
    }

    /// <summary>A problem response: RFC 9457 fields plus the field(s) at fault in <c>errors</c>.</summary>
    internal static OpenApiResponse Problem(int status, OpenApiDocument? document)
    {
        var response = new OpenApiResponse
        {
            Description = ReasonPhrases.GetReasonPhrase(status),
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("Problem", document) } },
        };
        if (status == StatusCodes.Status429TooManyRequests)
        {
            var (description, schema) = ApiHeaders.Described[ApiHeaders.RetryAfter];
            response.Headers = new Dictionary<string, IOpenApiHeader> { [ApiHeaders.RetryAfter] = new OpenApiHeader { Description = description, Schema = schema } };
        }
        return response;
    }

    private static OpenApiSchema ProblemSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details. `errors` names the field (or header) at fault; a 409 on a step names the step the consent is waiting for in `currentStepId`.",
        Required = new HashSet<string> { "status", "title" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "field name → messages",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "why the workflow refused the command (e.g. StepNotCurrent, InvalidInput)" },
            ["currentStepId"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "the step the consent is waiting for (409)" },
        },
    };

    /// <summary>
    /// StepInput, one shape per step type. Which applies follows the type of the step named in the path (its StepView.type);
    /// each shape refuses the others' fields, so exactly one matches any valid body.
    /// </summary>
    private static void AddStepInputs(OpenApiDocument document)
    {
        static OpenApiSchema Shape(string description, params (string Name, OpenApiSchema Schema)[] fields) => new()
        {
            Type = JsonSchemaType.Object,
            Description = description,
            AdditionalPropertiesAllowed = false,
            Required = fields.Select(f => f.Name).ToHashSet(),
            Properties = fields.ToDictionary(f => f.Name, f => (IOpenApiSchema)f.Schema),
        };
        static OpenApiSchema True(string description) => new() { Type = JsonSchemaType.Boolean, Enum = [JsonValue.Create(true)], Description = description };
        static OpenApiSchema Boolean(string description) => new() { Type = JsonSchemaType.Boolean, Description = description };
        static OpenApiSchema Text(string description, int max) => new() { Type = JsonSchemaType.String, MinLength = 1, MaxLength = max, Description = description };

        var shapes = new (string Name, OpenApiSchema Schema)[]
        {
            ("ExplainInput", Shape("explain: a section read.", ("acknowledged", True("always true")))),
            ("RiskInput", Shape("risk: one risk acknowledged on its own.", ("acknowledged", True("always true")), ("initials", Text("the patient's initials", 16)))),
            ("QuizInput", Shape("quiz: a comprehension check; a wrong answer sends the patient back to the linked explanation, then asks again.",
                ("answer", Text("an option id of the step", 64)))),
            ("ChoiceInput", Shape("choice: e.g. a delivery method; later steps branch on it.", ("option", Text("an option id of the step", 64)))),
            ("ProvisionInput", Shape("provision: an optional permission; either answer continues.", ("accept", Boolean("granted or refused")))),
            ("DecisionInput", Shape("decision: false ends the consent as declined.", ("consent", Boolean("the patient's decision")))),
            ("SignatureInput", Shape("signature: an electronic signature; the image is at most 200 KB.",
                ("signerName", Text("the signer's full name", 200)),
                ("signerRole", new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("patient"), JsonValue.Create("representative")] }),
                ("signatureImage", new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^data:image/png;base64,", Description = "the drawn signature as a PNG data URL" }),
                ("intent", True("the signer means to sign")))),
        };
        foreach (var (name, schema) in shapes) document.AddComponent(name, schema);
        document.AddComponent("StepInput", new OpenApiSchema
        {
            Description = "The answer to one step; its shape follows the step's type (StepView.type).",
            OneOf = [.. shapes.Select(s => (IOpenApiSchema)new OpenApiSchemaReference(s.Name, document))],
        });
    }

    /// <summary>Create's answer: the ConsentView plus the tablet's token and link, handed out once and never stored.</summary>
    private static void AddCreatedConsent(OpenApiDocument document) => document.AddComponent("CreatedConsent", new OpenApiSchema
    {
        AllOf =
        [
            new OpenApiSchemaReference("ConsentView", document),
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "tabletToken", "tabletUrl" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["tabletToken"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "opens this consent and nothing else; shown once" },
                    ["tabletUrl"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri", Description = "the tablet page, with the token in the fragment (never sent to a server)" },
                },
            },
        ],
    });

    private static void Enumerate(OpenApiDocument document, string schema, string property, IEnumerable<string> values)
    {
        if (document.Components?.Schemas is { } schemas && schemas.TryGetValue(schema, out var found)
            && found is OpenApiSchema { Properties: { } properties } && properties.TryGetValue(property, out var inner) && inner is OpenApiSchema field)
        {
            field.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
        }
    }

    private static async Task<IOpenApiSchema> AddSchemaAsync<T>(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        var name = typeof(T).Name;
        if (document.Components?.Schemas?.ContainsKey(name) != true)
        {
            document.AddComponent(name, await context.GetOrCreateSchemaAsync(typeof(T), null, ct));
        }
        return new OpenApiSchemaReference(name, document);
    }

    private static OpenApiPathItem Health(string which, string summary, bool ready, OpenApiDocument document)
    {
        OpenApiResponse Answer(string description) => new()
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(nameof(HealthView), document) } },
        };
        var responses = new OpenApiResponses { ["200"] = Answer("Healthy.") };
        if (ready) responses["503"] = Answer("PostgreSQL or RabbitMQ is unreachable; `checks` says which.");
        responses["429"] = Problem(StatusCodes.Status429TooManyRequests, document);
        return new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = "health" + char.ToUpperInvariant(which[0]) + which[1..],
                    Summary = summary,
                    Tags = new HashSet<OpenApiTagReference> { new("Health", document) },
                    Security = [],
                    Responses = responses,
                },
            },
        };
    }

    /// <summary>
    /// The catch-up page's items are named SchedulingGateChanged (the AsyncAPI message, with the reasons the gate gives),
    /// each with the signature it was sent with; the service returns them as stored, so the record cannot say so itself.
    /// </summary>
    private static async Task DescribeGateChangesAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        await AddSchemaAsync<GateChangesPage>(document, context, ct);
        // The items are the SchedulingGateChanged messages of the AsyncAPI document, each with the signature it was sent with.
        if (document.Components!.Schemas![nameof(GateChangesPage)] is OpenApiSchema { Properties: { } page }
            && page["items"] is OpenApiSchema { Items: OpenApiSchema change } items)
        {
            document.AddComponent(nameof(Contracts.SchedulingGateChanged), change);
            Enumerate(document, nameof(Contracts.SchedulingGateChanged), "reason", Contracts.GateReasons.All);
            items.Items = new OpenApiSchema
            {
                AllOf =
                [
                    new OpenApiSchemaReference(nameof(Contracts.SchedulingGateChanged), document),
                    new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string> { "signature" },
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["signature"] = new OpenApiSchema
                            {
                                Type = JsonSchemaType.String,
                                Description = "the compact JWS (ES256, typ consent-event+jws) the message carried in its consent-signature header; its payload is this change, verifiable with /.well-known/consent-keys.json",
                            },
                        },
                    },
                ],
            };
        }
    }

}
