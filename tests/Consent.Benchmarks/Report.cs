using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

/// <summary>
/// The tables a suite prints, kept as data too: written to <c>artifacts/bench/&lt;suite&gt;.json</c> (one run's figures,
/// every one beside its baseline from the same run) so that charts and later comparisons need not parse the console.
/// </summary>
internal sealed class Report(string suite)
{
    private readonly JsonObject _tables = [];
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    public string Suite => suite;

    /// <summary>The directory the JSON and charts go to: <c>artifacts/bench</c> in the checkout.</summary>
    public static string Directory { get; set; } = Path.Combine("artifacts", "bench");

    public Table Add(string name, string title, params string[] columns)
    {
        var table = new Table(title, columns);
        _tables[name] = table.Json;
        return table;
    }

    public JsonObject? Find(string name) => _tables[name] as JsonObject;

    /// <summary>The tables a run wrote to <c>&lt;suite&gt;.json</c>, to draw its charts again; null when there is none.</summary>
    public static Report? Read(string suite)
    {
        var path = Path.Combine(Directory, suite + ".json");
        if (!File.Exists(path)) return null;
        var report = new Report(suite);
        foreach (var (name, table) in JsonNode.Parse(File.ReadAllText(path))!["tables"]!.AsObject()) report._tables[name] = table!.DeepClone();
        return report;
    }

    /// <summary>Writes the JSON and returns its path.</summary>
    public string Save(JsonObject? settings = null)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var document = new JsonObject
        {
            ["suite"] = suite,
            ["started"] = _started.ToString("O", CultureInfo.InvariantCulture),
            ["cores"] = Environment.ProcessorCount,
            ["loadAverage"] = LoadAverage(),
            ["note"] = "One run on a shared machine: compare each figure with its baseline from the same run, not with other runs.",
            ["settings"] = settings ?? [],
            ["tables"] = _tables.DeepClone(),
        };
        var path = Path.Combine(Directory, suite + ".json");
        File.WriteAllText(path, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return path;
    }

    public static void WriteChart(string name, string svg) => File.WriteAllText(Path.Combine(Directory, name), svg);

    // Other engineers' work shares the machine: the load when the suite ended says how quiet it was.
    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "";
}

/// <summary>One table: named columns and rows of numbers or text.</summary>
internal sealed class Table(string title, string[] columns)
{
    private readonly JsonArray _rows = [];

    public JsonObject Json { get; } = new() { ["title"] = title, ["columns"] = new JsonArray([.. columns.Select(c => (JsonNode?)c)]) };

    public void Row(params object?[] cells)
    {
        if (cells.Length != columns.Length) throw new ArgumentException($"{title}: {cells.Length} cells for {columns.Length} columns");
        _rows.Add(new JsonArray([.. cells.Select(Cell)]));
        Json["rows"] = _rows.DeepClone();
    }

    private static JsonNode? Cell(object? value) => value switch
    {
        null => null,
        double d when double.IsNaN(d) || double.IsInfinity(d) => null,
        double d => JsonValue.Create(Math.Round(d, 3)),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        bool b => JsonValue.Create(b),
        _ => JsonValue.Create(value.ToString()),
    };
}

internal static class Tables
{
    /// <summary>The column <paramref name="column"/> of every row of <paramref name="table"/> as numbers (NaN where empty).</summary>
    public static double[] Column(JsonObject table, string column)
    {
        var index = table["columns"]!.AsArray().Select(c => c!.GetValue<string>()).ToList().IndexOf(column);
        if (index < 0) throw new ArgumentException($"no column {column}");
        return [.. (table["rows"]?.AsArray() ?? []).Select(r => r![index] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture) : double.NaN)];
    }

    public static string[] Text(JsonObject table, string column)
    {
        var index = table["columns"]!.AsArray().Select(c => c!.GetValue<string>()).ToList().IndexOf(column);
        return [.. (table["rows"]?.AsArray() ?? []).Select(r => r![index]?.ToString() ?? "")];
    }
}
