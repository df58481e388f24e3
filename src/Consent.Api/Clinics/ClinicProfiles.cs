using System.Collections.Concurrent;
using System.Collections.Immutable;
using Consent.Workflows.Clinics;
using Consent.Workflows.Definitions;

namespace Consent.Api.Clinics;

/// <summary>
/// The clinics' profiles (<c>Clinics:Path</c>, default <c>clinics/</c> beside the workflows folder), loaded at start-up,
/// and the workflow definitions as each clinic's patients read them: placeholders filled with the clinic's values.
/// The rendered definition keeps the template's content hash, so the runtime accepts it, and what is signed (and
/// hashed) is the rendered statement. A value the profile lacks stays a placeholder, and the runtime refuses to start.
/// </summary>
public sealed class ClinicProfiles(ImmutableDictionary<string, ClinicProfile> profiles)
{
    private readonly ConcurrentDictionary<(string Clinic, string ContentHash), WorkflowDefinition> _rendered = new();

    public static readonly ClinicProfiles Empty = new(ImmutableDictionary<string, ClinicProfile>.Empty);

    public ClinicProfile? For(string clinic) => profiles.GetValueOrDefault(clinic);

    public IEnumerable<ClinicProfile> All => profiles.Values;

    /// <summary>
    /// The definition as <paramref name="clinic"/>'s patients read it, made once per clinic and definition: every write
    /// asks, and looking for placeholders in every text of every step took about 1% of the service's CPU under load.
    /// </summary>
    public WorkflowDefinition Render(WorkflowDefinition definition, string clinic) =>
        _rendered.GetOrAdd((clinic, definition.ContentHash), _ => Placeholders.UsedBy(definition).Count == 0
            ? definition
            : Placeholders.RenderAll(definition, For(clinic) ?? new ClinicProfile(clinic, ImmutableDictionary<string, ImmutableDictionary<string, string>>.Empty)));

    public static ClinicProfiles Load(IConfiguration configuration)
    {
        var workflows = Path.GetFullPath(configuration["Workflows:Path"] ?? "workflows");
        var root = Path.GetFullPath(configuration["Clinics:Path"] ?? Path.Combine(Path.GetDirectoryName(workflows) ?? ".", "clinics"));
        var profiles = ImmutableDictionary.CreateBuilder<string, ClinicProfile>(StringComparer.Ordinal);
        if (!Directory.Exists(root)) return new ClinicProfiles(profiles.ToImmutable());
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*.yaml").Order(StringComparer.Ordinal))
        {
            var loaded = ClinicProfile.LoadFile(file);
            problems.AddRange(loaded.Problems.Select(p => $"{file}:{p}"));
            if (loaded.Profile is { } profile) profiles[profile.Id] = profile;
        }
        // A clinic must never show patients a half-read profile: refuse to start and say where.
        if (problems.Count > 0) throw new InvalidOperationException("Clinic profiles failed to load:\n" + string.Join('\n', problems));
        return new ClinicProfiles(profiles.ToImmutable());
    }
}
