using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using Consent.Workflows.Definitions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Consent.Workflows.Loading;

/// <summary>
/// Reading typed fields out of a YAML mapping, each error recorded with its file, line and path instead of thrown, so
/// that one pass reports everything wrong with a file. The workflow's own reader builds on these.
/// </summary>
internal abstract class YamlFields(string file)
{
    public List<LoadError> Errors { get; } = [];

    protected SourceLocation At(YamlNode node, string path) => new(file, WorkflowLoader.Line(node), path);

    protected void Error(YamlNode node, string path, string message) => Errors.Add(new LoadError(file, WorkflowLoader.Line(node), path, message));

        protected static YamlNode? Node(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

        /// <summary>Reports unknown keys, and known ones that <paramref name="misplaced"/> says do not belong here.</summary>
        protected void Known(YamlMappingNode map, string path, string[] keys, Func<string, string?>? misplaced = null)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? "";
                if (!keys.Contains(name, StringComparer.Ordinal))
                {
                    Error(key, Join(path, name), $"unknown field '{name}' (expected one of: {string.Join(", ", keys)})");
                }
                else if (misplaced?.Invoke(name) is { } message)
                {
                    Error(key, Join(path, name), message);
                }
            }
        }

        protected static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

        protected void Missing(YamlMappingNode map, string key, string path, YamlNode? found, string what)
        {
            if (found is null) Error(map, Join(path, key), $"required field is missing: {what}");
            else Error(found, Join(path, key), $"must be {what}");
        }

        protected YamlMappingNode? Map(YamlMappingNode map, string key, string path, bool required)
        {
            var node = Node(map, key);
            if (node is YamlMappingNode m) return m;
            if (node is not null || required) Missing(map, key, path, node, "a mapping");
            return null;
        }

        protected string? Str(YamlMappingNode map, string key, string path, bool required)
        {
            var node = Node(map, key);
            if (node is YamlScalarNode { Value: { Length: > 0 } value }) return value;
            if (node is not null || required) Missing(map, key, path, node, "a non-empty text");
            return null;
        }

        protected string? Id(YamlMappingNode map, string key, string path, bool required)
        {
            var value = Str(map, key, path, required);
            if (value is not null && !WorkflowLoader.IdPattern().IsMatch(value))
            {
                Error(Node(map, key)!, Join(path, key), $"'{value}' is not an id: use lowercase letters, digits and '-' (e.g. risk-headache)");
                return null;
            }
            return value;
        }

        protected int? Int(YamlMappingNode map, string key, string path, int min, int max, bool required = false)
        {
            var node = Node(map, key);
            if (node is YamlScalarNode { Value: { } text } && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }
            if (node is not null || required) Missing(map, key, path, node, $"a whole number from {min} to {max}");
            return null;
        }

        protected ImmutableArray<int> IntList(YamlMappingNode map, string key, string path)
        {
            var result = ImmutableArray.CreateBuilder<int>();
            if (Node(map, key) is YamlSequenceNode seq)
            {
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    if (seq.Children[i] is YamlScalarNode { Value: { } text } && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= 1) result.Add(v);
                    else Error(seq.Children[i], $"{Join(path, key)}[{i}]", "must be a version number");
                }
            }
            else
            {
                Missing(map, key, path, Node(map, key), "a list of version numbers");
            }
            return result.ToImmutable();
        }

        protected bool? Bool(YamlMappingNode map, string key, string path)
        {
            var node = Node(map, key);
            if (node is YamlScalarNode { Value: "true" or "false" } scalar) return scalar.Value == "true";
            if (node is not null) Missing(map, key, path, node, "true or false");
            return null;
        }

        protected TimeSpan? Duration(YamlMappingNode map, string key, string path, bool required = false)
        {
            var node = Node(map, key);
            if (node is YamlScalarNode { Value: { Length: > 0 } text })
            {
                try
                {
                    var span = XmlConvert.ToTimeSpan(text);
                    if (span >= TimeSpan.Zero) return span;
                }
                catch (FormatException)
                {
                }
                Error(node, Join(path, key), $"'{text}' is not an ISO-8601 duration such as PT24H or P90D");
                return null;
            }
            if (node is not null || required) Missing(map, key, path, node, "an ISO-8601 duration such as PT24H or P90D");
            return null;
        }

        protected ImmutableArray<string> Strings(YamlMappingNode map, string key, string path, bool required)
        {
            var node = Node(map, key);
            if (node is YamlSequenceNode seq)
            {
                var result = ImmutableArray.CreateBuilder<string>();
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    if (seq.Children[i] is YamlScalarNode { Value: { Length: > 0 } v }) result.Add(v);
                    else Error(seq.Children[i], $"{Join(path, key)}[{i}]", "must be a text");
                }
                return result.ToImmutable();
            }
            if (node is not null || required) Missing(map, key, path, node, "a list");
            return [];
        }

        protected LocalizedText Localized(YamlMappingNode map, string key, string path, bool required)
        {
            var node = Node(map, key);
            if (node is YamlMappingNode texts)
            {
                var result = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
                foreach (var (localeNode, textNode) in texts.Children)
                {
                    var locale = (localeNode as YamlScalarNode)?.Value ?? "";
                    if (textNode is YamlScalarNode { Value: { } text } && !string.IsNullOrWhiteSpace(text)) result[locale] = text.Trim();
                    else Error(textNode, $"{Join(path, key)}.{locale}", "must be a non-empty text");
                }
                return new LocalizedText(result.ToImmutable());
            }
            if (node is not null || required) Missing(map, key, path, node, "texts per locale, e.g. { en: ..., es: ... }");
            return LocalizedText.Empty;
        }
}
