using System.Globalization;
using System.Net;
using System.Text;

/// <summary>
/// Small SVG charts of the benchmark's tables, drawn by hand (no charting package): a line chart (linear or log axes)
/// and a grouped bar chart. Each point or bar carries its value as text, so a figure can be read without a tooltip.
/// </summary>
internal static class Svg
{
    public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false);

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private const int Width = 820, Height = 400, Left = 70, Right = 250, Top = 40, Bottom = 50;
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

    public static string Line(string title, string xLabel, string yLabel, IReadOnlyList<Series> series, bool logX = false, bool logY = false)
    {
        var points = series.SelectMany(s => s.Points).Where(p => Valid(p.X, logX) && Valid(p.Y, logY)).ToList();
        if (points.Count == 0) return Empty(title);
        var x = new Axis(points.Min(p => p.X), points.Max(p => p.X), logX, Left, Width - Right, zeroBased: false);
        var y = new Axis(points.Min(p => p.Y), points.Max(p => p.Y), logY, Height - Bottom, Top, zeroBased: true);
        var svg = Begin(title, $"{yLabel} by {xLabel}");
        Axes(svg, x, y, xLabel, yLabel);
        for (var i = 0; i < series.Count; i++)
        {
            var color = Colors[i % Colors.Length];
            var valid = series[i].Points.Where(p => Valid(p.X, logX) && Valid(p.Y, logY)).OrderBy(p => p.X).ToList();
            if (valid.Count == 0) continue;
            var path = string.Join(' ', valid.Select((p, n) => $"{(n == 0 ? 'M' : 'L')}{F(x.Map(p.X))},{F(y.Map(p.Y))}"));
            svg.Append(Inv, $"<path d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{(series[i].Dashed ? " stroke-dasharray=\"6 4\"" : "")}/>\n");
            foreach (var p in valid)
            {
                svg.Append(Inv, $"<circle cx=\"{F(x.Map(p.X))}\" cy=\"{F(y.Map(p.Y))}\" r=\"3.5\" fill=\"{color}\"><title>{Esc(series[i].Name)}: {Num(p.Y)} at {Num(p.X)}</title></circle>\n");
                svg.Append(Inv, $"<text x=\"{F(x.Map(p.X) + 5)}\" y=\"{F(y.Map(p.Y) - 6)}\" font-size=\"10\" fill=\"{color}\">{Num(p.Y)}</text>\n");
            }
            Legend(svg, i, series[i].Name, color, series[i].Dashed);
        }
        return svg.Append("</svg>\n").ToString();
    }

    public static string Bars(string title, string yLabel, IReadOnlyList<string> categories, IReadOnlyList<(string Name, double[] Values)> series, bool logY = false)
    {
        var values = series.SelectMany(s => s.Values).Where(v => Valid(v, logY)).ToList();
        if (values.Count == 0 || categories.Count == 0) return Empty(title);
        var y = new Axis(values.Min(), values.Max(), logY, Height - Bottom, Top, zeroBased: true);
        var svg = Begin(title, $"{yLabel} for each of: {string.Join(", ", categories)}");
        Axes(svg, null, y, "", yLabel);
        var slot = (Width - Right - Left) / (double)categories.Count;
        var bar = slot * 0.8 / series.Count;
        for (var c = 0; c < categories.Count; c++)
        {
            var x0 = Left + c * slot + slot * 0.1;
            for (var s = 0; s < series.Count; s++)
            {
                var v = series[s].Values[c];
                if (!Valid(v, logY)) continue;
                var top = y.Map(v);
                var color = Colors[s % Colors.Length];
                svg.Append(Inv, $"<rect x=\"{F(x0 + s * bar)}\" y=\"{F(top)}\" width=\"{F(bar - 1)}\" height=\"{F(Height - Bottom - top)}\" fill=\"{color}\"><title>{Esc(series[s].Name)}, {Esc(categories[c])}: {Num(v)}</title></rect>\n");
                svg.Append(Inv, $"<text x=\"{F(x0 + s * bar + bar / 2)}\" y=\"{F(top - 3)}\" font-size=\"9\" text-anchor=\"middle\">{Num(v)}</text>\n");
            }
            svg.Append(Inv, $"<text x=\"{F(Left + c * slot + slot / 2)}\" y=\"{Height - Bottom + 16}\" font-size=\"10\" text-anchor=\"middle\">{Esc(categories[c])}</text>\n");
        }
        for (var s = 0; s < series.Count; s++) Legend(svg, s, series[s].Name, Colors[s % Colors.Length], false);
        return svg.Append("</svg>\n").ToString();
    }

    private sealed class Axis
    {
        private readonly double _min, _max, _from, _to;
        private readonly bool _log;

        public Axis(double min, double max, bool log, double from, double to, bool zeroBased)
        {
            _log = log;
            (_from, _to) = (from, to);
            if (log)
            {
                (_min, _max) = (Math.Floor(Math.Log10(min)), Math.Ceiling(Math.Log10(max)));
                if (_max <= _min) _max = _min + 1;
            }
            else
            {
                var span = max - min;
                _min = zeroBased ? Math.Min(0, min) : min - span * 0.05;
                _max = max + (span == 0 ? Math.Max(1, Math.Abs(max)) : span) * 0.1;
            }
        }

        public double Map(double v) => _from + ((_log ? Math.Log10(v) : v) - _min) / (_max - _min) * (_to - _from);

        public IEnumerable<double> Ticks()
        {
            if (_log)
            {
                for (var e = _min; e <= _max; e++) yield return Math.Pow(10, e);
                yield break;
            }
            var step = Math.Pow(10, Math.Floor(Math.Log10((_max - _min) / 5)));
            if ((_max - _min) / step > 10) step *= 2;
            if ((_max - _min) / step > 10) step *= 2.5;
            for (var t = Math.Ceiling(_min / step) * step; t <= _max; t += step) yield return t;
        }
    }

    private static void Axes(StringBuilder svg, Axis? x, Axis y, string xLabel, string yLabel)
    {
        svg.Append(Inv, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"#333\"/>\n");
        svg.Append(Inv, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"#333\"/>\n");
        foreach (var t in y.Ticks())
        {
            var at = y.Map(t);
            svg.Append(Inv, $"<line x1=\"{Left}\" y1=\"{F(at)}\" x2=\"{Width - Right}\" y2=\"{F(at)}\" stroke=\"#ddd\"/>\n");
            svg.Append(Inv, $"<text x=\"{Left - 6}\" y=\"{F(at + 4)}\" font-size=\"10\" text-anchor=\"end\">{Num(t)}</text>\n");
        }
        if (x is not null)
        {
            foreach (var t in x.Ticks())
            {
                var at = x.Map(t);
                svg.Append(Inv, $"<line x1=\"{F(at)}\" y1=\"{Height - Bottom}\" x2=\"{F(at)}\" y2=\"{Height - Bottom + 4}\" stroke=\"#333\"/>\n");
                svg.Append(Inv, $"<text x=\"{F(at)}\" y=\"{Height - Bottom + 16}\" font-size=\"10\" text-anchor=\"middle\">{Num(t)}</text>\n");
            }
        }
        svg.Append(Inv, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 10}\" font-size=\"12\" text-anchor=\"middle\">{Esc(xLabel)}</text>\n");
        svg.Append(Inv, $"<text x=\"16\" y=\"{(Top + Height - Bottom) / 2}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 {(Top + Height - Bottom) / 2})\">{Esc(yLabel)}</text>\n");
    }

    private static void Legend(StringBuilder svg, int index, string name, string color, bool dashed)
    {
        var y = Top + 10 + index * 18;
        svg.Append(Inv, $"<line x1=\"{Width - Right + 12}\" y1=\"{y}\" x2=\"{Width - Right + 34}\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"3\"{(dashed ? " stroke-dasharray=\"6 4\"" : "")}/>\n");
        svg.Append(Inv, $"<text x=\"{Width - Right + 40}\" y=\"{y + 4}\" font-size=\"11\">{Esc(name)}</text>\n");
    }

    private static StringBuilder Begin(string title, string description) => new StringBuilder()
        .Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" role=\"img\" aria-labelledby=\"t d\">\n")
        .Append(Inv, $"<title id=\"t\">{Esc(title)}</title><desc id=\"d\">{Esc(description)}</desc>\n")
        .Append(Inv, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"#fff\"/>\n")
        .Append(Inv, $"<text x=\"{Width / 2}\" y=\"22\" font-size=\"14\" font-weight=\"bold\" text-anchor=\"middle\">{Esc(title)}</text>\n");

    private static string Empty(string title) => Begin(title, "no data").Append(Inv, $"<text x=\"{Width / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\">no data</text></svg>\n").ToString();

    private static bool Valid(double v, bool log) => !double.IsNaN(v) && !double.IsInfinity(v) && (!log || v > 0);

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Num(double v) => Math.Abs(v) >= 100 ? v.ToString("#,0", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 1 ? v.ToString("0.#", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Esc(string text) => WebUtility.HtmlEncode(text);
}
