using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace Consent.Api.Hosting;

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
                "it was given when its consent was created. Staff signatures (countersign, a clinician's reaffirm, a staff withdraw) are in the " +
                "token's account (`sub`, display name `name`) and need a recent sign-in: the token's `auth_time` no older than Auth:RecentSignInSeconds " +
                "(default 300); otherwise 401 with `WWW-Authenticate: Bearer error=\"insufficient_user_authentication\", max_age=…` (RFC 9470). Every 4xx is application/problem+json naming the field at fault in `errors`. " +
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
        document.Paths["/health/ready"] = Health("ready", "PostgreSQL and RabbitMQ answer; 503 while the default database or RabbitMQ is unreachable; 200 with status `degraded` while a further database of `Store:Databases` is.", ready: true, document);
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
        if (status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
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
        if (ready) responses["503"] = Answer("The default database (`postgres` in `checks`) or RabbitMQ is unreachable; `checks` says which. A further database (`postgres:<name>`, by its configured name) only makes the answer `degraded`.");
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
