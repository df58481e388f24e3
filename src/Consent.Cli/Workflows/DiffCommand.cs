using System.CommandLine;
using Consent.Workflows.Diffing;
using Consent.Workflows.Loading;

namespace Consent.Cli.Workflows;

/// <summary><c>consent diff FROM TO</c>: the changed sections between two versions and whether the change is material.</summary>
internal static class DiffCommand
{
    public static Command Create()
    {
        var from = new Argument<string>("from") { Description = "The earlier version's YAML file" };
        var to = new Argument<string>("to") { Description = "The later version's YAML file" };
        var command = new Command("diff", "Compare two versions: material changes require re-consent, cosmetic ones do not") { from, to };
        command.SetAction(parse =>
        {
            var a = WorkflowLoader.LoadFile(parse.GetValue(from)!);
            var b = WorkflowLoader.LoadFile(parse.GetValue(to)!);
            foreach (var e in a.Errors.Concat(b.Errors)) Console.Error.WriteLine(e);
            if (a.Definition is null || b.Definition is null) return 2;
            var report = WorkflowDiff.Compare(a.Definition, b.Definition);
            foreach (var c in report.Changes)
            {
                Console.WriteLine($"{c.Kind.ToString().ToLowerInvariant(),-9} {c.StepId} {c.Field}{(c.Locale is null ? "" : $" [{c.Locale}]")}: {c.Reason}");
            }
            Console.WriteLine(report.Changes.IsEmpty ? "no changes" : report.IsMaterial
                ? $"material: re-consent needed for {string.Join(", ", report.MaterialSections)}"
                : "cosmetic: no re-consent needed");
            return 0;
        });
        return command;
    }
}
