using System.CommandLine;
using Consent.Workflows.Linting;
using Consent.Workflows.Loading;

namespace Consent.Cli.Workflows;

/// <summary><c>consent lint PATH</c>: lints one definition file or every version under a workflows folder.</summary>
internal static class LintCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "A workflow YAML file, or a folder of workflows" };
        var claims = new Option<string?>("--claims") { Description = "Folder of claim rules (default: claims/ in the workflows folder)" };
        var command = new Command("lint", "Check workflow definitions: structure, disclosure elements, misleading claims, readability") { path, claims };
        command.SetAction(parse => Run(parse.GetValue(path)!, parse.GetValue(claims)));
        return command;
    }

    private static int Run(string path, string? claimsDir)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            Console.Error.WriteLine($"{path}: no such file or folder");
            return 2;
        }
        var rules = ClaimRules.LoadDirectory(claimsDir ?? Path.Combine(WorkflowsRoot(full) ?? full, "claims"));
        var files = File.Exists(full)
            ? [full]
            : Directory.EnumerateFiles(full, "v*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var errors = 0;
        var warnings = 0;
        foreach (var file in files)
        {
            var report = WorkflowLinter.LintYaml(File.ReadAllText(file), file, rules);
            foreach (var f in report.Findings)
            {
                Console.WriteLine($"{Path.GetRelativePath(Environment.CurrentDirectory, file)}:{f.Line}: {f.Severity.ToString().ToLowerInvariant()} {f.Code} {f.Path}: {f.Message}");
            }
            errors += report.Findings.Count(f => f.Severity == LintSeverity.Error);
            warnings += report.Findings.Count(f => f.Severity == LintSeverity.Warning);
        }
        if (Directory.Exists(full))
        {
            var catalog = WorkflowCatalog.LoadDirectory(full);
            foreach (var e in catalog.Errors.Where(e => e.Path is "id" or "version"))
            {
                Console.WriteLine(e);
                errors++;
            }
        }
        Console.WriteLine($"{files.Count} definition(s): {errors} error(s), {warnings} warning(s)");
        return errors > 0 ? 1 : 0;
    }

    /// <summary>The nearest folder at or above <paramref name="path"/> named "workflows".</summary>
    internal static string? WorkflowsRoot(string path)
    {
        for (var dir = new DirectoryInfo(File.Exists(path) ? Path.GetDirectoryName(path)! : path); dir is not null; dir = dir.Parent)
        {
            if (dir.Name == "workflows") return dir.FullName;
        }
        return null;
    }
}
