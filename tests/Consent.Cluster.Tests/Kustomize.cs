namespace Consent.Cluster.Tests;

/// <summary>
/// The part of Kustomize the manifests use, so that the test checks what would be applied, not the files one by one:
/// resources (files and bases), config map generators (merge), image names, JSON 6902 patches (add, replace) and
/// strategic merge patches (maps merged, lists of named items merged by name). Anything else fails loudly.
/// </summary>
internal static class Kustomize
{
    public sealed record Rendered(List<Dictionary<string, object?>> Resources, Dictionary<string, Dictionary<string, string>> ConfigMaps, Dictionary<string, string> Images);

    public static Rendered Build(string directory)
    {
        var kustomization = Manifests.LoadOne(Path.Combine(directory, "kustomization.yaml"));
        var known = new HashSet<string> { "apiVersion", "kind", "resources", "configMapGenerator", "images", "patches", "namespace", "labels" };
        kustomization.Keys.Where(k => !known.Contains(k)).ShouldBeEmpty($"{directory}: fields this test does not render");
        var resources = new List<Dictionary<string, object?>>();
        var configMaps = new Dictionary<string, Dictionary<string, string>>();
        var images = new Dictionary<string, string>();
        foreach (var entry in Manifests.List(kustomization, "resources").Cast<string>())
        {
            var path = Path.GetFullPath(Path.Combine(directory, entry));
            if (Directory.Exists(path))
            {
                var inner = Build(path);
                resources.AddRange(inner.Resources);
                foreach (var (name, data) in inner.ConfigMaps) configMaps[name] = data;
                foreach (var (name, image) in inner.Images) images[name] = image;
            }
            else
            {
                File.Exists(path).ShouldBeTrue($"{directory}: resource {entry} does not exist");
                resources.AddRange(Manifests.Load(path).Cast<Dictionary<string, object?>>());
            }
        }
        if (kustomization.TryGetValue("configMapGenerator", out var generators))
        {
            foreach (var generator in ((List<object?>)generators!).Cast<Dictionary<string, object?>>())
            {
                var name = Manifests.Text(generator, "name");
                var merge = generator.TryGetValue("behavior", out var b) && (string?)b == "merge";
                configMaps.ContainsKey(name).ShouldBe(merge, $"config map {name}: 'merge' exactly when a base made it");
                var data = merge ? configMaps[name] : [];
                foreach (var literal in Manifests.List(generator, "literals").Cast<string>())
                {
                    var cut = literal.IndexOf('=', StringComparison.Ordinal);
                    data[literal[..cut]] = literal[(cut + 1)..];
                }
                configMaps[name] = data;
            }
        }
        if (kustomization.TryGetValue("images", out var imageList))
        {
            foreach (var image in ((List<object?>)imageList!).Cast<Dictionary<string, object?>>())
            {
                images[Manifests.Text(image, "name")] = $"{Manifests.Text(image, "newName")}:{Manifests.Text(image, "newTag")}";
            }
        }
        if (kustomization.TryGetValue("patches", out var patches))
        {
            foreach (var patch in ((List<object?>)patches!).Cast<Dictionary<string, object?>>())
            {
                var file = Path.Combine(directory, Manifests.Text(patch, "path"));
                var body = Manifests.Load(file).Single();
                if (patch.TryGetValue("target", out var target))
                {
                    var resource = Find(resources, Manifests.Text(target, "kind"), Manifests.Text(target, "name"));
                    foreach (var op in ((List<object?>)body!).Cast<Dictionary<string, object?>>()) Json6902(resource, op, file);
                }
                else
                {
                    var map = (Dictionary<string, object?>)body!;
                    Merge(Find(resources, Manifests.Text(map, "kind"), Manifests.Text(map, "metadata.name")), map);
                }
            }
        }
        return new Rendered(resources, configMaps, images);
    }

    public static Dictionary<string, object?> Find(IEnumerable<Dictionary<string, object?>> resources, string kind, string name) =>
        resources.SingleOrDefault(r => (string?)r["kind"] == kind && Manifests.Text(r, "metadata.name") == name)
        ?? throw new KeyNotFoundException($"no {kind} {name}");

    private static void Json6902(Dictionary<string, object?> resource, Dictionary<string, object?> op, string file)
    {
        var parts = Manifests.Text(op, "path").Trim('/').Split('/');
        var parent = Manifests.At(resource, string.Join('.', parts[..^1].Select(p => int.TryParse(p, out _) ? $"[{p}]" : p)).Replace(".[", "[", StringComparison.Ordinal));
        var last = parts[^1];
        switch (Manifests.Text(op, "op"))
        {
            case "replace" when parent is Dictionary<string, object?> map:
                map.ContainsKey(last).ShouldBeTrue($"{file}: replace of {Manifests.Text(op, "path")}, which does not exist");
                map[last] = op["value"];
                break;
            case "replace" when parent is List<object?> list:
                list[int.Parse(last, System.Globalization.CultureInfo.InvariantCulture)] = op["value"];
                break;
            case "add" when parent is Dictionary<string, object?> map:
                map[last] = op["value"];
                break;
            default:
                throw new NotSupportedException($"{file}: op {op["op"]} on {op["path"]}");
        }
    }

    private static void Merge(Dictionary<string, object?> into, Dictionary<string, object?> patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is Dictionary<string, object?> map && into.TryGetValue(key, out var existing) && existing is Dictionary<string, object?> target)
            {
                Merge(target, map);
            }
            else if (value is List<object?> list && into.TryGetValue(key, out var old) && old is List<object?> targetList
                     && list.All(i => i is Dictionary<string, object?> d && d.ContainsKey("name")))
            {
                foreach (var item in list.Cast<Dictionary<string, object?>>())
                {
                    var same = targetList.OfType<Dictionary<string, object?>>().FirstOrDefault(t => t.TryGetValue("name", out var n) && (string?)n == (string?)item["name"]);
                    if (same is null) targetList.Add(item); else Merge(same, item);
                }
            }
            else
            {
                into[key] = value;
            }
        }
    }
}
