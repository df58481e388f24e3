using System.Reflection;
using Consent.Api.Tests.Support;
using Consent.Contracts;
using YamlDotNet.RepresentationModel;

namespace Consent.Api.Tests.Events;

/// <summary>asyncapi.yaml and the Consent.Contracts records describe the same messages, field for field.</summary>
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

    [Fact]
    public void Every_record_has_a_channel_named_for_its_exchange_and_every_channel_a_record()
    {
        var channels = Map(Document(), "channels").Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order().ToList();
        channels.ShouldBe(Records.Select(r => "Consent.Contracts:" + r.Name).Order().ToList());
        Records.Length.ShouldBe(6);
    }

    [Fact]
    public void Each_schema_lists_exactly_the_record_fields_with_their_types_and_which_are_required()
    {
        var schemas = Map(Map(Document(), "components"), "schemas");
        var nullability = new NullabilityInfoContext();
        foreach (var record in Records)
        {
            var schema = Map(schemas, record.Name);
            var properties = Map(schema, "properties");
            var parameters = record.GetConstructors().Single().GetParameters();
            properties.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ShouldBe(parameters.Select(p => CamelCase(p.Name!)), $"{record.Name}: fields in record order");
            var required = ((YamlSequenceNode)schema["required"]).Children.Select(n => ((YamlScalarNode)n).Value!).ToHashSet();
            foreach (var parameter in parameters)
            {
                var name = CamelCase(parameter.Name!);
                var property = Map(properties, name);
                ((YamlScalarNode)property["type"]).Value.ShouldBe(SchemaType(parameter.ParameterType), $"{record.Name}.{name}");
                var nullable = nullability.Create(parameter).WriteState == NullabilityState.Nullable;
                required.Contains(name).ShouldBe(!nullable, $"{record.Name}.{name} is required exactly when the record cannot leave it out");
                var isTime = (Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType) == typeof(DateTimeOffset);
                (property.Children.TryGetValue("format", out var format) && ((YamlScalarNode)format).Value == "date-time").ShouldBe(isTime, $"{record.Name}.{name} date-time");
            }
        }
    }

    [Fact]
    public void The_service_serves_the_same_document_that_is_checked_here()
    {
        using var shipped = new StreamReader(AsyncApiDocument.Open());
        shipped.ReadToEnd().ShouldBe(File.ReadAllText(Path.Combine(TestInfrastructure.RepoRoot, "src", "Consent.Contracts", "asyncapi.yaml")));
    }

    [Fact]
    public void The_documented_gate_reasons_are_the_ones_the_service_gives()
    {
        var reason = Map(Map(Map(Map(Document(), "components"), "schemas"), "SchedulingGateChanged"), "properties");
        ((YamlSequenceNode)Map(reason, "reason")["enum"]).Children.Select(n => ((YamlScalarNode)n).Value!).ShouldBe(GateReasons.All, ignoreOrder: true);
    }
}
