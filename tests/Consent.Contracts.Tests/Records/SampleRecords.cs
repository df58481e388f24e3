using System.Collections.Immutable;
using System.Text.Json;
using Consent.Api.Consents;
using Consent.Api.Consents.Integrity;
using Consent.Api.Records;
using Consent.Contracts.Records;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;

namespace Consent.Contracts.Tests.Records;

/// <summary>
/// Records built the way the service builds them (its builder, its chain hash) from events made here, without a
/// database: a workflow of explanations and risks in English and Spanish, read, acknowledged, signed and granted.
/// </summary>
public static class SampleRecords
{
    public static readonly DateTimeOffset Start = new(2026, 3, 14, 9, 30, 0, TimeSpan.Zero);
    public const string SignaturePng = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    public static LocalizedText Text(string en, string es) => new(ImmutableDictionary<string, string>.Empty.Add("en", en).Add("es", es));

    public static WorkflowDefinition Definition(int steps)
    {
        var list = new List<StepDefinition>();
        for (var i = 1; i < steps; i++)
        {
            var risk = i % 2 == 0;
            list.Add(Step($"step-{i}", risk ? StepType.Risk : StepType.Explain,
                Text(risk ? $"Risk {i}: headache after the lumbar puncture" : $"Section {i}: what the treatment is",
                     risk ? $"Riesgo {i}: dolor de cabeza después de la punción lumbar" : $"Sección {i}: en qué consiste el tratamiento"),
                Text($"This treatment is **experimental**. The FDA has **not** approved it.\n\n- It has real risks.\n- It costs a lot. Section {i}.",
                     $"Este tratamiento es **experimental**. La FDA **no** lo ha aprobado.\n\n- Tiene riesgos reales.\n- Cuesta mucho; el señor Núñez lo pagó. Sección {i}.")));
        }
        list.Add(Step("signature", StepType.Signature, Text("Your signature", "Su firma"), Text("Sign below.", "Firme abajo."),
            Text("I have read this form and I agree to the treatment.", "He leído este formulario y acepto el tratamiento, señor doctor Muñoz.")));
        return new WorkflowDefinition("sample", 1, Text("Stem-cell therapy", "Terapia con células madre"), ["en", "es"], "en",
            new WorkflowSettings(false, false, TimeSpan.FromHours(48), TimeSpan.FromDays(90), null, [], 3, TimeSpan.FromHours(2), TimeSpan.FromHours(4)),
            [.. list], "sha256:" + new string('a', 64), SourceLocation.None);
    }

    private static StepDefinition Step(string id, StepType type, LocalizedText title, LocalizedText body, LocalizedText? statement = null) =>
        new(id, type, title, body, [], true, null, null, [], null, null, null, type == StepType.Signature ? [SignerRole.Patient] : [], statement ?? LocalizedText.Empty, [], SourceLocation.None);

    /// <summary>The stored events of a consent walked through <paramref name="definition"/> and granted, chained as the service chains them.</summary>
    public static IReadOnlyList<StoredEvent> Events(WorkflowDefinition definition, string locale)
    {
        var at = Start;
        DateTimeOffset Next() => at = at.AddMinutes(1);
        var events = new List<ConsentEvent>
        {
            new ConsentOpened("cns_sample", "demo", "MRN-1001", "MSC-1", TimeSpan.FromHours(2), at),
            new ConsentStarted(definition.Id, definition.Version, definition.ContentHash, locale, null, definition.Steps[0].Id, at),
        };
        for (var i = 0; i < definition.Steps.Length; i++)
        {
            var step = definition.Steps[i];
            var next = i + 1 < definition.Steps.Length ? definition.Steps[i + 1].Id : null;
            events.Add(step.Type switch
            {
                StepType.Risk => new RiskAcknowledged(step.Id, "JN", next, Next()),
                StepType.Signature => new ConsentSigned(step.Id, "patient", "José Núñez", null, step.Statement.For(locale, "en"), "sha256:statement", "sig-1", 68, next, Next()),
                _ => new SectionRead(step.Id, next, Next()),
            });
        }
        events.Add(new Consent.Workflows.Runtime.ConsentGranted(at.AddHours(48), at.AddDays(90), at));
        var prev = EventChain.Genesis;
        var stored = new List<StoredEvent>();
        foreach (var e in events)
        {
            var type = Snake(e.GetType().Name);
            var json = JsonSerializer.Serialize(e, e.GetType(), JsonSerializerOptions.Web);
            var metadata = new Dictionary<string, string> { ["actor"] = "tablet", ["role"] = "tablet", ["device"] = "tablet-7", ["ipHash"] = "0123456789abcdef", ["at"] = e.At.ToString("O") };
            var hash = EventChain.Hash(prev, stored.Count + 1, type, json, metadata);
            stored.Add(new StoredEvent(stored.Count + 1, type, e, json, metadata, prev, hash));
            prev = hash;
        }
        return stored;
    }

    public static SignedRecord Record(int steps = 6, string locale = "es")
    {
        var definition = Definition(steps);
        return RecordBuilder.Build(Events(definition, locale), definition, new Dictionary<string, string> { ["sig-1"] = SignaturePng },
            new ClinicValues("Clínica del Sol", "America/Mexico_City"), "https://consent.example/.well-known/consent-keys.json");
    }

    private static string Snake(string name) => string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
