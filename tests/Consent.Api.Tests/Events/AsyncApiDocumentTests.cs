using System.Reflection;
using Consent.Api.Tests.Support;
using Consent.Contracts;
using YamlDotNet.RepresentationModel;

namespace Consent.Api.Tests.Events;

/// <summary>asyncapi.yaml and the Consent.Contracts records describe the same messages, field for field, and the standard parser accepts it.</summary>
[Trait("Category", "Infrastructure")]
public sealed class AsyncApiDocumentTests
{
    private static readonly Type[] Records = [.. typeof(ConsentGranted).Assembly.GetTypes()
        .Where(t => t is { IsPublic: true, IsClass: true, IsAbstract: false } && t.Namespace == "Consent.Contracts" && t.GetMethod("<Clone>$") is not null)];

    private static YamlMappingNode Document()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(TestInfrastructure.RepoRoot, "src", "Consent.Contracts", "asyncapi.yaml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node)[key];

    private static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value!;

    private static string CamelCase(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    private static string SchemaType(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string) || t == typeof(DateTimeOffset) || t == typeof(Guid)) return "string";
        if (t == typeof(int) || t == typeof(long)) return "integer";
        if (t == typeof(bool)) return "boolean";
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)) return "object";
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)) return "array";
        throw new InvalidOperationException($"No schema type for {t}");
    }

    /// <summary>A schema's type as a list: `type: string` or `type: [string, 'null']`.</summary>
    private static List<string> Types(YamlMappingNode property) => property["type"] switch
    {
        YamlSequenceNode many => [.. many.Children.Select(Scalar)],
        var one => [Scalar(one)],
    };

    [Fact]
    public void Every_record_has_a_fanout_channel_and_a_per_clinic_channel_and_every_channel_a_record()
    {
        var channels = Map(Document(), "channels");
        var names = channels.Children.Keys.Select(Scalar).Order().ToList();
        names.ShouldBe(Records.SelectMany(r => new[] { "Consent.Contracts:" + r.Name, "{clinicId}." + r.Name }).Order().ToList());
        Records.Length.ShouldBe(6);
        foreach (var record in Records)
        {
            var fanout = Map(Map(Map(channels, "Consent.Contracts:" + record.Name), "bindings"), "amqp");
            Scalar(Map(fanout, "exchange")["name"]).ShouldBe("Consent.Contracts:" + record.Name);
            Scalar(Map(fanout, "exchange")["type"]).ShouldBe("fanout");
            var perClinic = Map(Map(Map(channels, "{clinicId}." + record.Name), "bindings"), "amqp");
            Scalar(Map(perClinic, "exchange")["name"]).ShouldBe("consent.clinic-events");
            Scalar(Map(perClinic, "exchange")["type"]).ShouldBe("topic");
        }
    }

    [Fact]
    public void Each_schema_lists_exactly_the_record_fields_with_their_types_all_sent_and_null_only_where_the_record_allows_it()
    {
        var schemas = Map(Map(Document(), "components"), "schemas");
        var nullability = new NullabilityInfoContext();
        foreach (var record in Records)
        {
            var schema = Map(schemas, record.Name);
            Scalar(schema["additionalProperties"]).ShouldBe("false", record.Name);
            var properties = Map(schema, "properties");
            var parameters = record.GetConstructors().Single().GetParameters();
            properties.Children.Keys.Select(Scalar).ShouldBe(parameters.Select(p => CamelCase(p.Name!)), $"{record.Name}: fields in record order");
            // The service's serializer writes every field, a null one as null: all are required, some may be null.
            ((YamlSequenceNode)schema["required"]).Children.Select(Scalar).ShouldBe(parameters.Select(p => CamelCase(p.Name!)), ignoreOrder: true, record.Name);
            foreach (var parameter in parameters)
            {
                var name = CamelCase(parameter.Name!);
                var types = Types(Map(properties, name));
                var nullable = nullability.Create(parameter).WriteState == NullabilityState.Nullable;
                types.ShouldBe(nullable ? [SchemaType(parameter.ParameterType), "null"] : [SchemaType(parameter.ParameterType)], $"{record.Name}.{name}");
                var isTime = (Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType) == typeof(DateTimeOffset);
                (Map(properties, name).Children.TryGetValue("format", out var format) && Scalar(format) == "date-time").ShouldBe(isTime, $"{record.Name}.{name} date-time");
            }
        }
    }

    [Fact]
    public void Each_message_is_the_full_MassTransit_envelope_around_its_record_with_one_captured_example()
    {
        var components = Map(Document(), "components");
        string[] envelope = ["messageId", "requestId", "correlationId", "conversationId", "initiatorId", "sourceAddress", "destinationAddress",
            "responseAddress", "faultAddress", "messageType", "message", "expirationTime", "sentTime", "headers"];
        foreach (var record in Records)
        {
            var message = Map(Map(components, "messages"), record.Name);
            var payload = Map(Map(components, "schemas"), record.Name + "Envelope");
            Scalar(Map(message, "payload")["$ref"]).ShouldBe($"#/components/schemas/{record.Name}Envelope");
            Map(payload, "properties").Children.Keys.Select(Scalar).ShouldBe(envelope, ignoreOrder: true, record.Name);
            Scalar(Map(Map(payload, "properties"), "message")["$ref"]).ShouldBe($"#/components/schemas/{record.Name}");
            Map(Map(Map(components, "schemas"), "AmqpHeaders"), "properties").Children.Keys.Select(Scalar).ShouldContain("consent-signature");
            var examples = (YamlSequenceNode)message["examples"];
            examples.Children.Count.ShouldBe(1, record.Name);
            var example = Map(examples.Children[0], "payload");
            Scalar(((YamlSequenceNode)example["messageType"]).Children[0]).ShouldBe("urn:message:Consent.Contracts:" + record.Name);
        }
    }

    [Fact]
    public void The_service_serves_the_same_document_that_is_checked_here()
    {
        using var shipped = new StreamReader(AsyncApiDocument.Open());
        shipped.ReadToEnd().ShouldBe(File.ReadAllText(Path.Combine(TestInfrastructure.RepoRoot, "src", "Consent.Contracts", "asyncapi.yaml")));
    }

    [Fact]
    public async Task The_served_document_passes_the_AsyncAPI_parser_with_no_errors()
    {
        await using var factory = new ApiFactory();
        var response = await factory.CreateClient().GetAsync(new Uri("/asyncapi.yaml", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        var file = ApiDocumentTools.ScratchFile("asyncapi.yaml");
        await File.WriteAllTextAsync(file, await response.Content.ReadAsStringAsync());
        var result = await ApiDocumentTools.ScriptAsync("asyncapi", file);
        result.GetProperty("errors").GetArrayLength().ShouldBe(0, result.GetProperty("errors").ToString());
    }

    [Fact]
    public void The_README_shows_the_Python_subscriber_that_docs_integration_holds()
    {
        var readme = File.ReadAllText(Path.Combine(TestInfrastructure.RepoRoot, "README.md"));
        var start = readme.IndexOf("```python\n", StringComparison.Ordinal) + "```python\n".Length;
        start.ShouldBeGreaterThan("```python\n".Length);
        readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)]
            .ShouldBe(File.ReadAllText(Path.Combine(TestInfrastructure.RepoRoot, "docs", "integration", "gate_subscriber.py")));
    }

    [Fact]
    public void The_documented_gate_reasons_are_the_ones_the_service_gives()
    {
        var reason = Map(Map(Map(Map(Document(), "components"), "schemas"), "SchedulingGateChanged"), "properties");
        ((YamlSequenceNode)Map(reason, "reason")["enum"]).Children.Select(Scalar).ShouldBe(GateReasons.All, ignoreOrder: true);
    }
}
