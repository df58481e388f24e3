using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Consent.Contracts.Records;
using Consent.Contracts.Signatures;
using Consent.Workflows.Loading;

namespace Consent.Cli.Records;

/// <summary>
/// <c>consent verify FILE [--keys JWKS] [--workflows DIR]</c>: checks a consent record offline (the JSON+JWS download,
/// the PDF, or the FHIR Bundle) and says what was signed, by whom and when. Exit 0 valid, 1 invalid.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The record: its PDF, its JSON+JWS download, or its FHIR Bundle" };
        var keys = new Option<string?>("--keys") { Description = "The published keys (JWKS): a file, or an https URL; without it, the URL the record names" };
        var workflows = new Option<string?>("--workflows") { Description = "A workflows directory: the record's workflow content hash is checked against it" };
        var command = new Command("verify", "Verify a signed consent record offline: signature, event chain, PDF text, workflow hash") { file, keys, workflows };
        command.SetAction(async (parse, ct) =>
        {
            var outcome = await VerifyAsync(parse.GetValue(file)!, parse.GetValue(keys), parse.GetValue(workflows), ct);
            Report(outcome);
            return outcome.Verification.Valid ? 0 : 1;
        });
        return command;
    }

    internal sealed record Outcome(RecordVerification Verification, string Kind, IReadOnlyList<string> Notes);

    private static async Task<Outcome> VerifyAsync(string path, string? keysSource, string? workflowsDirectory, CancellationToken ct)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, ct);
        }
        catch (IOException ex)
        {
            return Failed("file", $"cannot read {path}: {ex.Message}");
        }
        catch (UnauthorizedAccessException ex)
        {
            return Failed("file", $"cannot read {path}: {ex.Message}");
        }

        var notes = new List<string>();
        RecordFile.Parts? parts = RecordFile.Read(bytes, out var kind, out var unreadable);
        if (parts is null) return Failed("format", unreadable ?? "not a consent record");

        ConsentKeys keySet;
        try
        {
            var source = keysSource ?? UnverifiedKeysUrl(parts);
            if (source is null) return Failed("keys", "no --keys given and the record names no key set");
            if (keysSource is null) notes.Add($"keys from {source}, named by the record itself: pass --keys with the clinic's published key set to rely on the result");
            keySet = ConsentKeys.Parse(await ReadKeysAsync(source, ct));
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ArgumentException or FormatException or JsonException or UnauthorizedAccessException or TaskCanceledException)
        {
            return Failed("keys", $"cannot read the key set: {ex.Message}");
        }

        var verification = RecordVerifier.Verify(parts.Jws, parts.Record, keySet);
        var problems = verification.Problems.ToList();
        if (parts.VisibleText is { } words && verification.Record is { } signedRecord && RecordPages.TextProblem(signedRecord, words) is { } textProblem)
        {
            problems.Add(new RecordProblem("pdf_text", textProblem));
        }
        if (workflowsDirectory is not null && verification.Record is { } record && WorkflowProblem(record, workflowsDirectory) is { } workflowProblem)
        {
            problems.Add(new RecordProblem("workflow", workflowProblem));
        }
        return new Outcome(verification with { Problems = problems }, kind, notes);
    }

    private static string? UnverifiedKeysUrl(RecordFile.Parts parts)
    {
        // Read only to find where the keys are; nothing from it counts until the signature is checked.
        try
        {
            var payload = parts.Jws.Split('.') is { Length: 3 } split ? System.Buffers.Text.Base64Url.DecodeFromChars(split[1]) : [];
            return RecordJson.FromUtf8(payload)?.Presentation.KeysUrl is { Length: > 0 } url ? url : null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return null;
        }
    }

    private static async Task<string> ReadKeysAsync(string source, CancellationToken ct)
    {
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            return await http.GetStringAsync(uri, ct);
        }
        return await File.ReadAllTextAsync(source, ct);
    }

    private static string? WorkflowProblem(SignedRecord record, string directory)
    {
        if (!Directory.Exists(directory)) return $"no workflows directory {directory}";
        var catalog = WorkflowCatalog.LoadDirectory(directory);
        if (catalog.Find(record.Workflow.Id, record.Workflow.Version) is not { } definition)
        {
            return $"{record.Workflow.Id} v{record.Workflow.Version} is not in {directory}";
        }
        return definition.ContentHash == record.Workflow.ContentHash
            ? null
            : $"{record.Workflow.Id} v{record.Workflow.Version} in {directory} has content hash {definition.ContentHash}, the record was signed on {record.Workflow.ContentHash}";
    }

    private static Outcome Failed(string check, string reason) => new(new RecordVerification(null, null, [new RecordProblem(check, reason)]), "unknown", []);

    private static void Report(Outcome outcome)
    {
        var v = outcome.Verification;
        foreach (var note in outcome.Notes) Console.Error.WriteLine("note: " + note);
        if (v.Record is { } r)
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"{(v.Valid ? "VALID" : "INVALID")} consent record {r.ConsentId} ({outcome.Kind})");
            text.AppendLine(CultureInfo.InvariantCulture, $"  workflow   {r.Workflow.Id} v{r.Workflow.Version} {r.Workflow.ContentHash}, in {r.Locale}: {r.Workflow.Title}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  clinic     {r.ClinicId}; patient {r.PatientId}; procedure {r.ProcedureCode}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  status     {r.Status} as of event {r.StreamVersion} ({Utc(r.AsOf)})");
            foreach (var s in r.Signatures)
            {
                var who = s.Relationship is null ? s.SignerRole : $"{s.SignerRole}, {s.Relationship}";
                text.AppendLine(CultureInfo.InvariantCulture, $"  signed     by {s.SignerName} ({who}) at {Utc(s.At)}: \"{s.Statement.Trim()}\"");
            }
            if (r.Countersignature is { } c) text.AppendLine(CultureInfo.InvariantCulture, $"  countersigned by {c.ClinicianName} at {Utc(c.At)}");
            // Each staff signature's manifest (21 CFR 11.50): who and in which role, what it meant, how they proved it was them, when.
            foreach (var s in r.StaffSignatures ?? [])
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  staff      {s.Act} by {s.SignerName} ({RecordStaffRoles.RoleOf(r, s) ?? "role not recorded"}; account {s.AccountId}) at {Utc(s.At)}");
                text.AppendLine(CultureInfo.InvariantCulture, $"             meaning \"{s.Meaning}\"; method {s.AuthMethod} at {Utc(s.AuthenticatedAt)}");
            }
            if (r.Ending is { } e) text.AppendLine(CultureInfo.InvariantCulture, $"  {e.Status,-10} at {Utc(e.At)}{(e.Reason is null ? "" : $" ({e.Reason})")}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  signature  ES256, key {v.KeyId}; chain of {r.Chain.Events.Count} events, head {r.Chain.Head}");
            Console.Write(text.ToString());
        }
        else
        {
            Console.WriteLine("INVALID consent record");
        }
        foreach (var problem in v.Problems) Console.WriteLine($"  {problem.Check}: {problem.Reason}");
    }

    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
