using System.CommandLine;
using Consent.Workflows.Clinics;
using Consent.Workflows.Linting;
using Consent.Workflows.Loading;

namespace Consent.Cli.Workflows;

/// <summary><c>consent lint PATH</c>: lints one definition file or every version under a folder.</summary>
internal static class LintCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "A workflow YAML file, or a folder of workflows" };
        var claims = new Option<string?>("--claims") { Description = "Folder of claim rules (default: claims/ in the nearest workflows folder above the path)" };
        var evidence = new Option<string?>("--evidence") { Description = "Folder of evidence rules (default: evidence/ in the nearest workflows folder above the path)" };
        var clinic = new Option<string?>("--clinic") { Description = "Also lint the clinic profile's values each workflow uses, as that clinic's patients read them" };
        var clinics = new Option<string?>("--clinics") { Description = "The clinic profiles folder (default: clinics/ beside the workflows folder)" };
        var command = new Command("lint", "Check workflow definitions: structure, disclosure elements by evidence, misleading claims, readability. A folder: the latest version of each workflow") { path, claims, evidence, clinic, clinics };
        command.SetAction(parse => Run(parse.GetValue(path)!, parse.GetValue(claims), parse.GetValue(evidence), parse.GetValue(clinic), parse.GetValue(clinics)));
        return command;
    }

    private static int Run(string path, string? claimsDir, string? evidenceDir, string? clinicId, string? clinicsDir)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var isFile = File.Exists(full);
        if (!isFile && !Directory.Exists(full))
        {
            Console.Error.WriteLine($"{path}: no such file or folder");
            return 1;
        }
        var rules = new LintRules(ClaimRulesFor(full, claimsDir), EvidenceRulesFor(full, evidenceDir));
        var profile = clinicId is null ? null : ProfileFor(full, clinicId, clinicsDir);
        if (clinicId is not null && profile is null) return 1;
        List<string> files = isFile ? [full] : Latest(full);
        var shown = new HashSet<(string File, int Line, string Path, string Message)>();
        var (errors, warnings) = (0, 0);
        foreach (var file in files)
        {
            foreach (var f in LintFile(file, rules, profile).Findings)
            {
                Print(file, f);
                shown.Add((file, f.Line, f.Path, f.Message));
                errors += f.Severity == LintSeverity.Error ? 1 : 0;
                warnings += f.Severity == LintSeverity.Warning ? 1 : 0;
            }
        }
        if (!isFile)
        {
            // The catalog adds what a file alone cannot show: id against folder, version against file name, file names.
            foreach (var e in CatalogErrors(full).Where(e => !shown.Contains((e.File, e.Line, e.Path, e.Message))))
            {
                Print(e.File, new LintFinding(LintSeverity.Error, "catalog", e.Path, e.Line, e.Message));
                errors++;
            }
        }
        Console.WriteLine($"{files.Count} definition(s): {errors} error(s), {warnings} warning(s)");
        return errors > 0 ? 1 : 0;
    }

    private static LintReport LintFile(string file, LintRules rules, ClinicProfile? profile)
    {
        var report = WorkflowLinter.LintYaml(File.ReadAllText(file), file, rules);
        if (profile is null || WorkflowLoader.LoadFile(file).Definition is not { } definition) return report;
        return new LintReport([.. report.Findings, .. ProfileLint.Check(definition, profile, rules)]);
    }

    /// <summary>The clinic's profile, from <paramref name="clinicsDir"/> or clinics/ beside the workflows folder; null (said on stderr) when missing or invalid.</summary>
    private static ClinicProfile? ProfileFor(string path, string clinicId, string? clinicsDir)
    {
        var dir = clinicsDir ?? (WorkflowsRoot(path) is { } root ? Path.Combine(Path.GetDirectoryName(root)!, "clinics") : "clinics");
        var file = Path.Combine(dir, $"{clinicId}.yaml");
        if (!File.Exists(file))
        {
            Console.Error.WriteLine($"{file}: no profile for clinic '{clinicId}' (use --clinics)");
            return null;
        }
        var loaded = ClinicProfile.LoadFile(file);
        foreach (var p in loaded.Problems) Console.Error.WriteLine($"{file}:{p}");
        return loaded.Profile;
    }

    private static void Print(string file, LintFinding f) =>
        Console.WriteLine($"{Path.GetRelativePath(Environment.CurrentDirectory, file)}:{f.Line}: {f.Severity.ToString().ToLowerInvariant()} {f.Code}{(f.Path.Length > 0 ? " " + f.Path : "")}: {f.Message}");

    /// <summary>
    /// The newest version in each workflow folder under <paramref name="folder"/>: what new consents start on. A
    /// published older version is never edited, so it is linted only when named by its path; superseded versions
    /// are listed so no one mistakes them for checked.
    /// </summary>
    private static List<string> Latest(string folder)
    {
        var latest = new List<string>();
        foreach (var group in Directory.EnumerateFiles(folder, "v*.yaml", SearchOption.AllDirectories).GroupBy(Path.GetDirectoryName).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var ordered = group.OrderBy(f => int.TryParse(Path.GetFileNameWithoutExtension(f)[1..], out var v) ? v : 0).ToList();
            latest.Add(ordered[^1]);
            foreach (var old in ordered.SkipLast(1))
            {
                Console.WriteLine($"{Path.GetRelativePath(Environment.CurrentDirectory, old)}: superseded by {Path.GetFileName(ordered[^1])}, not linted (lint it by its path)");
            }
        }
        return latest;
    }

    private static EvidenceRules EvidenceRulesFor(string path, string? evidenceDir)
    {
        var dir = evidenceDir ?? (WorkflowsRoot(path) is { } root ? Path.Combine(root, "evidence") : null);
        if (dir is not null && Directory.Exists(dir)) return EvidenceRules.LoadDirectory(dir);
        Console.Error.WriteLine("warning: no evidence rules found: disclosure elements are checked by their tags only (use --evidence)");
        return EvidenceRules.None;
    }

    private static ClaimRules ClaimRulesFor(string path, string? claimsDir)
    {
        var dir = claimsDir ?? (WorkflowsRoot(path) is { } root ? Path.Combine(root, "claims") : null);
        if (dir is not null && Directory.Exists(dir)) return ClaimRules.LoadDirectory(dir);
        // Said out loud: a lint without claim rules passes wording that a lint with them would refuse.
        Console.Error.WriteLine(dir is null
            ? "warning: no workflows folder above the path, so no claim rules: misleading claims are not checked (use --claims)"
            : $"warning: no claim rules at {dir}: misleading claims are not checked");
        return ClaimRules.None;
    }

    /// <summary>Catalog errors for the files under <paramref name="folder"/>, which may be a workflows root or one workflow's folder.</summary>
    private static IEnumerable<LoadError> CatalogErrors(string folder)
    {
        var root = Directory.EnumerateFiles(folder, "v*.yaml").Any() ? Path.GetDirectoryName(folder)! : folder;
        var prefix = Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar;
        return WorkflowCatalog.LoadDirectory(root).Errors.Where(e => e.File.StartsWith(prefix, StringComparison.Ordinal));
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
