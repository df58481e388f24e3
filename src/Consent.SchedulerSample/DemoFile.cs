using System.Text.Json;

namespace Consent.SchedulerSample;

/// <summary>
/// Reads the demo connection file (<c>.data/demo.json</c>, written by the run command) into this sample's settings, so
/// that it starts with the file's path alone: its passwords and token never appear in a process list.
/// </summary>
public static class DemoFile
{
    /// <summary>The settings it fills: the subscriber's AMQP URI, the integration token, the sample's own database.</summary>
    public static Dictionary<string, string?> Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidOperationException($"The demo file {path} does not exist: start the demo first (./deploy/local/run.sh).");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        var scheduler = root.TryGetProperty("scheduler", out var s) && s.ValueKind == JsonValueKind.Object
            ? s
            : throw new InvalidOperationException($"{path} has no \"scheduler\" section: it was written by an older run command; restart the demo.");
        return new Dictionary<string, string?>
        {
            ["Consent:BaseUrl"] = Required(root, "baseUrl", path),
            ["Amqp:Uri"] = Required(root, "amqpUri", path),
            ["Consent:Token"] = root.TryGetProperty("tokens", out var tokens) ? Required(tokens, "integration", path, "tokens.") : Required(root, "tokens", path),
            ["ConnectionStrings:Postgres"] = Required(scheduler, "postgres", path, "scheduler."),
            ["Scheduler:Clinic"] = Required(scheduler, "clinic", path, "scheduler."),
            ["Scheduler:Queue"] = Required(scheduler, "queue", path, "scheduler."),
        };
    }

    private static string Required(JsonElement parent, string name, string path, string prefix = "") =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new InvalidOperationException($"{path} has no \"{prefix}{name}\".");
}
