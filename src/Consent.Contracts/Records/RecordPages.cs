using System.Globalization;
using System.Text;

namespace Consent.Contracts.Records;

public enum BlockKind { Title, Subtitle, Heading, Paragraph, Bullet, Detail, SignatureImage, VerifyCode }

/// <summary>One piece of the printed record: its kind and its text (for an image, the data it draws).</summary>
public sealed record RecordBlock(BlockKind Kind, string Text);

/// <summary>
/// What the printed record says, in order, derived from the signed record alone. The PDF draws exactly these blocks,
/// and a verifier derives them again from the attached record to check that the visible text is the signed one.
/// Dates use fixed formats and the clinic's time zone, never the reader's culture, so any machine derives the same.
/// </summary>
public static class RecordPages
{
    public static IReadOnlyList<RecordBlock> Blocks(SignedRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var w = RecordWords.For(record.Locale);
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(record.Presentation.TimeZone, out var z) ? z : TimeZoneInfo.Utc;
        string When(DateTimeOffset at)
        {
            var local = TimeZoneInfo.ConvertTime(at, zone);
            return string.Create(CultureInfo.InvariantCulture, $"{local:yyyy-MM-dd HH:mm} ({record.Presentation.TimeZone}) · {at.UtcDateTime:yyyy-MM-dd HH:mm} UTC");
        }

        var blocks = new List<RecordBlock>
        {
            new(BlockKind.Title, record.Workflow.Title),
            new(BlockKind.Subtitle, $"{w.RecordOf} {record.Presentation.ClinicName}"),
            new(BlockKind.Detail, $"{w.Patient}: {record.PatientId} · {w.Procedure}: {record.ProcedureCode} · {w.Consent}: {record.ConsentId}"),
            new(BlockKind.Detail, $"{w.Workflow}: {record.Workflow.Id} v{record.Workflow.Version} · {record.Workflow.ContentHash}"),
            new(BlockKind.Detail, $"{w.Status}: {w.StatusName(record.Status)} · {w.AsOf} {When(record.AsOf)}"),
        };
        if (record.Representative is { } rep) blocks.Add(new(BlockKind.Detail, $"{w.Representative}: {rep.Name} ({rep.Relationship})"));

        foreach (var step in record.Steps.Where(s => s.Type != "signature"))
        {
            blocks.Add(new(BlockKind.Heading, step.Title));
            blocks.AddRange(Markdown(step.Body));
            if (step.Options is { Count: > 0 } options)
            {
                blocks.Add(new(BlockKind.Detail, $"{w.OptionsShown}: {string.Join(" · ", options.Select(o => o.Label))}"));
            }
            foreach (var answer in step.Answers) blocks.Add(new(BlockKind.Detail, $"{w.Answer(answer, step)} — {When(answer.At)}"));
        }
        foreach (var signature in record.Signatures)
        {
            var step = record.Steps.FirstOrDefault(s => s.Id == signature.StepId);
            blocks.Add(new(BlockKind.Heading, step?.Title ?? w.Signature));
            blocks.AddRange(Markdown(signature.Statement));
            if (signature.SignatureImage.Length > 0) blocks.Add(new(BlockKind.SignatureImage, signature.SignatureImage));
            var role = signature.Relationship is null ? w.Role(signature.SignerRole) : $"{w.Role(signature.SignerRole)}, {signature.Relationship}";
            blocks.Add(new(BlockKind.Detail, $"{w.SignedBy} {signature.SignerName} ({role}) — {When(signature.At)}"));
        }
        if (record.Countersignature is { } c) blocks.Add(new(BlockKind.Detail, $"{w.CountersignedBy} {c.ClinicianName} — {When(c.At)}"));
        var staff = RecordStaffWords.For(record.Locale);
        foreach (var s in record.StaffSignatures ?? [])
        {
            blocks.Add(new(BlockKind.Detail, $"{staff.Act(s.Act)}: {s.SignerName} ({s.AccountId}) — “{s.Meaning}” — {staff.Auth(s.AuthMethod)} {When(s.AuthenticatedAt)} — {When(s.At)}"));
        }
        if (record.GrantedAt is { } granted) blocks.Add(new(BlockKind.Detail, $"{w.Granted} {When(granted)}"));
        if (record.ValidFrom is { } from && record.ValidUntil is { } until) blocks.Add(new(BlockKind.Detail, $"{w.Valid} {When(from)} — {When(until)}"));
        if (record.Ending is { } ending)
        {
            blocks.Add(new(BlockKind.Detail, $"{w.StatusName(ending.Status)} — {When(ending.At)}{(ending.Reason is null ? "" : $" ({ending.Reason})")}"));
        }

        if (record.Presentation.CareTeamPhone is { Length: > 0 } phone) blocks.Add(new(BlockKind.Paragraph, $"{staff.Questions} {phone}"));

        blocks.Add(new(BlockKind.Heading, w.HowToVerify));
        blocks.Add(new(BlockKind.VerifyCode, VerifyCode(record)));
        blocks.Add(new(BlockKind.Paragraph, w.VerifyText));
        blocks.Add(new(BlockKind.Detail, $"consent verify {record.ConsentId}.pdf --keys {record.Presentation.KeysUrl}"));
        blocks.Add(new(BlockKind.Detail, $"{w.Chain}: {record.Chain.Events.Count} · {record.Chain.Head}"));
        return blocks;
    }

    /// <summary>What the QR code holds: which record this paper is (consent, version, chain head) and where the keys are.</summary>
    public static string VerifyCode(SignedRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return string.Create(CultureInfo.InvariantCulture, $"consent-record:{record.ConsentId};v={record.StreamVersion};head={record.Chain.Head};keys={record.Presentation.KeysUrl}");
    }

    /// <summary>
    /// Why the text a PDF shows is not the record's, or null when it is. Whitespace is left out of the comparison: it
    /// depends on where lines wrap, which carries no meaning; every other character must be the record's, in order.
    /// </summary>
    public static string? TextProblem(SignedRecord record, string visibleText)
    {
        ArgumentNullException.ThrowIfNull(visibleText);
        var expected = Squeeze(string.Concat(Blocks(record).Where(b => b.Kind is not (BlockKind.SignatureImage or BlockKind.VerifyCode)).Select(b => b.Text)));
        var actual = Squeeze(visibleText);
        var at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
        if (at == expected.Length && at == actual.Length) return null;
        static string Around(string text, int at) => text.Substring(Math.Max(0, at - 20), Math.Min(text.Length, at + 20) - Math.Max(0, at - 20));
        return at == actual.Length
            ? $"the PDF's text ends early, before '{Around(expected, at)}'"
            : at == expected.Length
                ? $"the PDF shows text the record does not have: '{Around(actual, at)}'"
                : $"the PDF shows '{Around(actual, at)}' where the signed record has '{Around(expected, at)}'";
    }

    private static string Squeeze(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.Normalize(NormalizationForm.FormC)) if (!char.IsWhiteSpace(c)) builder.Append(c);
        return builder.ToString();
    }

    /// <summary>
    /// The Markdown the workflows use (paragraphs, "- " lists, **bold**) as plain blocks: a printed copy shows the words,
    /// not the markup.
    /// </summary>
    public static IEnumerable<RecordBlock> Markdown(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var paragraph = new StringBuilder();
        foreach (var raw in markdown.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.Trim();
            var bullet = line.StartsWith("- ", StringComparison.Ordinal) || line.StartsWith("* ", StringComparison.Ordinal);
            if (line.Length == 0 || bullet || line.StartsWith('#'))
            {
                if (paragraph.Length > 0) yield return new RecordBlock(BlockKind.Paragraph, Plain(paragraph.ToString()));
                paragraph.Clear();
            }
            if (bullet) yield return new RecordBlock(BlockKind.Bullet, Plain(line[2..]));
            else if (line.StartsWith('#')) yield return new RecordBlock(BlockKind.Paragraph, Plain(line.TrimStart('#').Trim()));
            else if (line.Length > 0) paragraph.Append(paragraph.Length > 0 ? " " : "").Append(line);
        }
        if (paragraph.Length > 0) yield return new RecordBlock(BlockKind.Paragraph, Plain(paragraph.ToString()));
    }

    private static string Plain(string text) => text.Replace("**", "", StringComparison.Ordinal).Replace("__", "", StringComparison.Ordinal).Replace("`", "", StringComparison.Ordinal);
}
