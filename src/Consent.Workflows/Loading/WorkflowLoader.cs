using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using Consent.Workflows.Definitions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Consent.Workflows.Loading;

/// <summary>A problem found while reading a definition, named by file, line and field path.</summary>
public sealed record LoadError(string File, int Line, string Path, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Path}: {Message}";
}

public sealed record LoadResult(WorkflowDefinition? Definition, ImmutableArray<LoadError> Errors)
{
    public bool Succeeded => Definition is not null && Errors.IsEmpty;
}

/// <summary>
/// Reads one workflow version from YAML. Every problem is collected, not just the first, so an author fixes a
/// file in one pass; unknown keys are errors because a misspelt setting silently ignored is a wrong consent.
/// </summary>
public static partial class WorkflowLoader
{
    public static LoadResult LoadFile(string path) => LoadFile(path, null);

    internal static LoadResult LoadFile(string path, (string Id, int Version)? expected)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new LoadResult(null, [new LoadError(path, 0, "", $"cannot read the file: {ex.Message}")]);
        }
        return Parse(text, path, expected);
    }

    public static LoadResult Parse(string yaml, string sourceName) => Parse(yaml, sourceName, null);

    /// <summary>
    /// As <see cref="Parse(string, string)"/>, and when <paramref name="expected"/> is given the id and version must
    /// equal it (the catalog passes the folder name and file number), reported at the line of the field.
    /// </summary>
    internal static LoadResult Parse(string yaml, string sourceName, (string Id, int Version)? expected)
    {
        var reader = new Reader(sourceName, expected);
        YamlNode? root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException ex)
        {
            return new LoadResult(null, [new LoadError(sourceName, (int)ex.Start.Line, "", $"not valid YAML: {ex.InnerException?.Message ?? ex.Message}")]);
        }
        if (root is not YamlMappingNode map)
        {
            return new LoadResult(null, [new LoadError(sourceName, root is null ? 1 : Line(root), "", "the file must hold one mapping with id, version, locales, title, settings and steps")]);
        }
        var definition = reader.Definition(map);
        return reader.Errors.Count == 0 && definition is not null
            ? new LoadResult(definition with { ContentHash = ContentHash.Of(definition) }, [])
            : new LoadResult(null, [.. reader.Errors]);
    }

    internal static int Line(YamlNode node) => (int)node.Start.Line;

    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    internal static partial Regex IdPattern();

    [GeneratedRegex("^[a-z]{2}(-[A-Z]{2})?$")]
    private static partial Regex LocalePattern();

    private sealed class Reader(string file, (string Id, int Version)? expected) : YamlFields(file)
    {
        private static readonly string[] TopKeys = ["id", "version", "locales", "defaultLocale", "title", "settings", "disclosure", "steps"];
        private static readonly string[] DisclosureKeys = ["kind", "additionalElements"];
        private static readonly string[] SettingKeys = ["countersign", "witness", "coolingOff", "validity", "reaffirmation", "acceptedEarlierVersions", "quizAttempts", "reminderAfter", "tabletTokenLifetime"];
        private static readonly string[] StepKeys = ["id", "type", "title", "body", "elements", "patientFacing", "next", "when", "options", "correct", "explanation", "maxAttempts", "signerRoles", "statement", "claimsAllowed", "checks"];
        private static readonly string[] QuizKeys = ["options", "correct", "explanation", "maxAttempts", "checks"];
        private static readonly string[] SignatureKeys = ["signerRoles", "statement"];
        private static readonly string[] OptionKeys = ["id", "label", "next"];
        private static readonly string[] WhenKeys = ["step", "anyOf"];
        private static readonly string[] AllowanceKeys = ["rule", "source"];

        public WorkflowDefinition? Definition(YamlMappingNode map)
        {
            Known(map, "", TopKeys);
            var id = Id(map, "id", "", required: true);
            var version = Int(map, "version", "", min: 1, max: 10_000, required: true) ?? 0;
            if (expected is var (expectedId, expectedVersion))
            {
                if (id is not null && id != expectedId) Error(Node(map, "id")!, "id", $"id '{id}' does not match its folder '{expectedId}'");
                if (version > 0 && version != expectedVersion) Error(Node(map, "version")!, "version", $"version {version} does not match the file name v{expectedVersion}.yaml");
            }
            var locales = Strings(map, "locales", "", required: true);
            foreach (var (locale, i) in locales.Select((l, i) => (l, i)))
            {
                if (!LocalePattern().IsMatch(locale)) Error(Node(map, "locales")!, $"locales[{i}]", $"'{locale}' is not a locale code such as en or es");
            }
            var defaultLocale = Str(map, "defaultLocale", "", required: false) ?? locales.FirstOrDefault() ?? "en";
            if (locales.Length > 0 && !locales.Contains(defaultLocale)) Error(Node(map, "defaultLocale")!, "defaultLocale", $"'{defaultLocale}' is not one of the locales");
            var title = Localized(map, "title", "", required: true);
            var settings = Map(map, "settings", "", required: true) is { } s ? Settings(s) : null;
            var disclosure = Map(map, "disclosure", "", required: false) is { } dm ? Disclosure(dm) : null;
            var steps = ImmutableArray.CreateBuilder<StepDefinition>();
            if (Node(map, "steps") is YamlSequenceNode seq)
            {
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    if (Step(seq.Children[i], $"steps[{i}]") is { } step) steps.Add(step);
                }
                if (seq.Children.Count == 0) Error(seq, "steps", "a workflow needs at least one step");
            }
            else
            {
                Missing(map, "steps", "", Node(map, "steps"), "a list of steps");
            }
            return id is null || settings is null
                ? null
                : new WorkflowDefinition(id, version, title, locales, defaultLocale, settings, steps.ToImmutable(), "", At(map, "")) { Disclosure = disclosure };
        }

        private DisclosureDeclaration? Disclosure(YamlMappingNode map)
        {
            const string p = "disclosure";
            Known(map, p, DisclosureKeys);
            var kindText = Str(map, "kind", p, required: true);
            DisclosureKind? kind = kindText switch { "standard" => DisclosureKind.Standard, "investigational" => DisclosureKind.Investigational, _ => null };
            if (kindText is not null && kind is null) Error(Node(map, "kind")!, $"{p}.kind", $"unknown kind '{kindText}' (standard or investigational)");
            var additional = Strings(map, "additionalElements", p, required: false);
            return kind is null ? null : new DisclosureDeclaration(kind.Value, additional, At(map, p));
        }

        private WorkflowSettings Settings(YamlMappingNode map)
        {
            const string p = "settings";
            Known(map, p, SettingKeys);
            return new WorkflowSettings(
                Bool(map, "countersign", p) ?? false,
                Bool(map, "witness", p) ?? false,
                Duration(map, "coolingOff", p) ?? TimeSpan.Zero,
                Duration(map, "validity", p, required: true) ?? TimeSpan.Zero,
                Duration(map, "reaffirmation", p) is { } window ? new ReaffirmationSettings(window) : null,
                Node(map, "acceptedEarlierVersions") is null ? [] : [.. IntList(map, "acceptedEarlierVersions", p)],
                Int(map, "quizAttempts", p, min: 1, max: 10) ?? 3,
                Duration(map, "reminderAfter", p) ?? TimeSpan.FromHours(2),
                Duration(map, "tabletTokenLifetime", p) ?? TimeSpan.FromHours(4));
        }

        private StepDefinition? Step(YamlNode node, string path)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, path, "a step must be a mapping with at least id and type");
                return null;
            }
            var id = Id(map, "id", path, required: true);
            var typeText = Str(map, "type", path, required: true);
            StepType? type = typeText is null ? null : typeText switch
            {
                "explain" => StepType.Explain,
                "risk" => StepType.Risk,
                "quiz" => StepType.Quiz,
                "choice" => StepType.Choice,
                "provision" => StepType.Provision,
                "decision" => StepType.Decision,
                "signature" => StepType.Signature,
                _ => null,
            };
            if (typeText is not null && type is null)
            {
                Error(Node(map, "type")!, $"{path}.type", $"unknown step type '{typeText}' (explain, risk, quiz, choice, provision, decision or signature)");
            }
            // A field of another step type is an error, not ignored: a signature statement on a risk step would
            // never be shown, and the author believes it is.
            Known(map, path, StepKeys, key => type is not { } t || Applies(t, key) ? null : $"'{key}' does not apply to steps of type {typeText}");
            var options = ImmutableArray.CreateBuilder<StepOption>();
            if (Node(map, "options") is YamlSequenceNode optionNodes)
            {
                for (var i = 0; i < optionNodes.Children.Count; i++)
                {
                    if (Option(optionNodes.Children[i], $"{path}.options[{i}]", canBranch: type != StepType.Quiz) is { } option) options.Add(option);
                }
            }
            else if (Node(map, "options") is { } bad)
            {
                Error(bad, $"{path}.options", "options must be a list");
            }
            if (type is StepType.Quiz or StepType.Choice && Node(map, "options") is null)
            {
                Error(map, $"{path}.options", $"a {typeText} step needs options");
            }
            var signerRoles = ImmutableArray.CreateBuilder<SignerRole>();
            foreach (var (role, i) in Strings(map, "signerRoles", path, required: type == StepType.Signature).Select((r, i) => (r, i)))
            {
                switch (role)
                {
                    case "patient": signerRoles.Add(SignerRole.Patient); break;
                    case "representative": signerRoles.Add(SignerRole.Representative); break;
                    case "witness": signerRoles.Add(SignerRole.Witness); break;
                    default: Error(Node(map, "signerRoles")!, $"{path}.signerRoles[{i}]", $"unknown signer role '{role}' (patient, representative or witness)"); break;
                }
            }
            StepCondition? when = null;
            if (Map(map, "when", path, required: false) is { } whenMap)
            {
                Known(whenMap, $"{path}.when", WhenKeys);
                var stepRef = Str(whenMap, "step", $"{path}.when", required: true);
                var anyOf = Strings(whenMap, "anyOf", $"{path}.when", required: true);
                if (stepRef is not null) when = new StepCondition(stepRef, anyOf);
            }
            var allowances = ImmutableArray.CreateBuilder<ClaimAllowance>();
            if (Node(map, "claimsAllowed") is YamlSequenceNode allowanceNodes)
            {
                for (var i = 0; i < allowanceNodes.Children.Count; i++)
                {
                    var p = $"{path}.claimsAllowed[{i}]";
                    if (allowanceNodes.Children[i] is not YamlMappingNode a) { Error(allowanceNodes.Children[i], p, "must be a mapping with rule and source"); continue; }
                    Known(a, p, AllowanceKeys);
                    var rule = Str(a, "rule", p, required: true);
                    var source = Str(a, "source", p, required: true);
                    if (rule is not null && source is not null) allowances.Add(new ClaimAllowance(rule, source));
                }
            }
            if (id is null || type is null) return null;
            return new StepDefinition(
                id, type.Value,
                Localized(map, "title", path, required: true),
                Localized(map, "body", path, required: type != StepType.Signature),
                Strings(map, "elements", path, required: false),
                Bool(map, "patientFacing", path) ?? true,
                Id(map, "next", path, required: false),
                when,
                options.ToImmutable(),
                Id(map, "correct", path, required: type == StepType.Quiz),
                Id(map, "explanation", path, required: false),
                Int(map, "maxAttempts", path, min: 1, max: 10),
                signerRoles.ToImmutable(),
                Localized(map, "statement", path, required: type == StepType.Signature),
                allowances.ToImmutable(),
                At(map, path)) { Checks = Strings(map, "checks", path, required: false) };
        }

        private static bool Applies(StepType type, string key) => type switch
        {
            StepType.Quiz => !SignatureKeys.Contains(key),
            StepType.Choice => key == "options" || !(QuizKeys.Contains(key) || SignatureKeys.Contains(key)),
            StepType.Signature => !QuizKeys.Contains(key),
            _ => !(QuizKeys.Contains(key) || SignatureKeys.Contains(key)),
        };

        private StepOption? Option(YamlNode node, string path, bool canBranch)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, path, "an option must be a mapping with id and label");
                return null;
            }
            Known(map, path, OptionKeys, key => key == "next" && !canBranch ? "a quiz option cannot branch: a wrong answer re-opens the explanation" : null);
            var id = Id(map, "id", path, required: true);
            var label = Localized(map, "label", path, required: true);
            return id is null ? null : new StepOption(id, label, Id(map, "next", path, required: false), At(map, path));
        }
    }
}
