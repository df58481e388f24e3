/// <summary>The charts each suite draws from its own tables, beside its JSON in artifacts/bench.</summary>
internal static class Charts
{
    public static void Sessions(Report report)
    {
        if (report.Find("tablets") is not { } t) return;
        var tablets = Tables.Column(t, "tablets");
        Report.WriteChart("sessions-steps.svg", Svg.Line("Tablet steps per second by tablets", "tablets", "steps/s",
        [
            new("service", Points(tablets, Tables.Column(t, "steps_per_s"))),
            new("raw Npgsql baseline", Points(tablets, Tables.Column(t, "baseline_steps_per_s")), Dashed: true),
        ], logX: true));
        Report.WriteChart("sessions-p99.svg", Svg.Line("Step latency p99 by tablets", "tablets", "p99 ms",
        [
            new("service p99", Points(tablets, Tables.Column(t, "p99_ms"))),
            new("service p50", Points(tablets, Tables.Column(t, "p50_ms"))),
            new("raw Npgsql baseline p99", Points(tablets, Tables.Column(t, "baseline_p99_ms")), Dashed: true),
        ], logX: true));
    }

    public static void Events(Report report)
    {
        if (report.Find("lag") is not { } t) return;
        var rates = Tables.Column(t, "target_per_s");
        Report.WriteChart("events-lag.svg", Svg.Line("Event lag by offered rate (log scale)", "gate-changing events/s offered", "lag ms",
        [
            new("service p99", Points(rates, Tables.Column(t, "lag_p99_ms"))),
            new("service p50", Points(rates, Tables.Column(t, "lag_p50_ms"))),
            new("raw AMQP baseline p99", Points(rates, Tables.Column(t, "baseline_p99_ms")), Dashed: true),
        ], logY: true));
        Report.WriteChart("events-received.svg", Svg.Line("Events received per second by offered rate", "gate-changing events/s offered", "events/s received",
        [
            new("received", Points(rates, Tables.Column(t, "received_per_s"))),
            new("offered", Points(rates, rates), Dashed: true),
        ]));
    }

    /// <summary>Growth curves: each measurement's p99 (or cost) against the number of consents stored, both on log scales.</summary>
    public static void Growth(Report report)
    {
        if (report.Find("growth") is not { } t) return;
        var names = Tables.Text(t, "measurement");
        var units = Tables.Text(t, "unit");
        var emptyConsents = Tables.Column(t, "empty_consents");
        var loadedConsents = Tables.Column(t, "loaded_consents");
        var empty = Tables.Column(t, "empty");
        var loaded = Tables.Column(t, "loaded");
        List<Svg.Series> Curves(Func<string, bool> unit) => [.. Enumerable.Range(0, names.Length).Where(i => unit(units[i]))
            .Select(i => new Svg.Series(names[i], [(emptyConsents[i], empty[i]), (loadedConsents[i], loaded[i])]))];
        Report.WriteChart("growth-latency.svg", Svg.Line("p99 latency against consents stored (log-log)", "consents stored", "p99 ms",
            [.. Curves(u => u == "p99 ms").Where(c => !c.Name.StartsWith("dashboard_", StringComparison.Ordinal))], logX: true, logY: true));
        Report.WriteChart("growth-dashboard.svg", Svg.Line("Dashboard list p99 by filter against consents stored (log-log)", "consents stored", "p99 ms",
            [.. Curves(u => u == "p99 ms").Where(c => c.Name.StartsWith("dashboard_", StringComparison.Ordinal))], logX: true, logY: true));
        Report.WriteChart("growth-throughput.svg", Svg.Line("Throughput against consents stored (log x)", "consents stored", "per second",
            Curves(u => u.EndsWith("/s", StringComparison.Ordinal)), logX: true));
        if (report.Find("sizes") is { } sizes)
        {
            Report.WriteChart("growth-size.svg", Svg.Bars("Database bytes per consent by table", "bytes per consent", Tables.Text(sizes, "table"),
                [("empty", Tables.Column(sizes, "empty_bytes_per_consent")), ("loaded", Tables.Column(sizes, "loaded_bytes_per_consent"))]));
        }
    }

    private static List<(double X, double Y)> Points(double[] x, double[] y) => [.. x.Zip(y)];
}
