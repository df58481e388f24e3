using System.Globalization;
using System.Text;
using Consent.Api.Auth;
using Consent.Api.Consents;
using Consent.Api.Gate;
using Consent.Api.Workflows;
using Consent.Workflows.Runtime;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Consent.Api.Dashboard.Pages;

/// <summary>The clinic's consents: filters, "needs me now", search by patient id, paging, CSV export and the day's flow.</summary>
[Authorize(AuthenticationSchemes = DashboardSetup.CookieScheme, Policy = Policies.CoordinatorOrClinician)]
public sealed class IndexModel(IDocumentStore store, PublishedWorkflows workflows, GateAckReader acks, GateReader gate, TimeProvider clock, IConfiguration configuration) : PageModel
{
    public const int PageSize = 25;
    public static readonly IReadOnlyList<(string Value, string Label)> NeedsOptions =
    [
        ("questions", "A question was raised"),
        ("countersign", "Awaiting countersignature"),
        ("stalled", "Stalled"),
        ("soon", "Procedure soon, gate not yet allowing it"),
        ("unconfirmed", "Withdrawal not confirmed by every subscriber"),
    ];

    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? Procedure { get; set; }
    [BindProperty(SupportsGet = true)] public string? Date { get; set; }
    [BindProperty(SupportsGet = true)] public string? Needs { get; set; }
    [BindProperty(SupportsGet = true)] public string? Patient { get; set; }
    // "page" is Razor Pages' own route value, so the page number travels as "pageNumber".
    [BindProperty(SupportsGet = true, Name = "pageNumber")] public string? PageText { get; set; }

    public int PageNumber { get; private set; } = 1;
    public IReadOnlyList<ConsentSummary> Rows { get; private set; } = [];
    public int Total { get; private set; }
    public (string Field, string Message)? Problem { get; private set; }
    public IReadOnlyList<(string Label, int Count)> Flow { get; private set; } = [];
    public HashSet<string> Unconfirmed { get; } = new(StringComparer.Ordinal);
    public HashSet<string> SoonNotAllowed { get; } = new(StringComparer.Ordinal);
    public TimeSpan SoonWithin => TimeSpan.FromHours(configuration.GetValue("Dashboard:SoonHours", 48));
    public TimeSpan StalledAfter => TimeSpan.FromMinutes(configuration.GetValue("Dashboard:StalledMinutes", 30));
    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    private string Clinic => User.FindFirst(StaffRoles.ClinicClaim)!.Value;

    public async Task<IActionResult> OnGetAsync()
    {
        ViewData["Live"] = "list";
        if (Validate() is { } problem)
        {
            Problem = problem;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        await LoadAsync(PageSize);
        Flow = await DayFlowAsync();
        return Page();
    }

    /// <summary>Only the table, for the live update to swap in.</summary>
    public async Task<IActionResult> OnGetRowsAsync()
    {
        if (Validate() is not null) return BadRequest();
        await LoadAsync(PageSize);
        return Partial("/Dashboard/Pages/_Rows.cshtml", this);
    }

    public async Task<IActionResult> OnGetCsvAsync()
    {
        if (Validate() is { } problem) return BadRequest(problem.Message);
        PageNumber = 1;
        await LoadAsync(5000, audit: "export");
        var csv = new StringBuilder("id,patientId,procedureCode,workflowId,workflowVersion,status,progress,createdAt,updatedAt,grantedAt,validFrom,validUntil\r\n");
        foreach (var row in Rows)
        {
            var state = row.Record.Runtime;
            var progress = workflows.Catalog.Find(row.WorkflowId, row.WorkflowVersion) is { } d ? Navigation.Progress(d, state) : (0, 0);
            csv.AppendJoin(',', new[]
            {
                row.Id, row.PatientId, row.ProcedureCode, row.WorkflowId, row.WorkflowVersion.ToString(CultureInfo.InvariantCulture), row.Status,
                $"{progress.Item1}/{progress.Item2}", Iso(row.CreatedAt), Iso(row.UpdatedAt), Iso(state.GrantedAt), Iso(state.ValidFrom), Iso(state.ValidUntil),
            }.Select(Cell)).Append("\r\n");
        }
        return File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", $"consents-{Now:yyyyMMdd-HHmm}.csv");
    }

    public async Task<IActionResult> OnPostSignOutAsync()
    {
        await HttpContext.SignOutAsync(DashboardSetup.CookieScheme);
        return Redirect("/dashboard/signin");
    }

    public string QueryWith(string? page = null, string? handler = null)
    {
        var parts = new List<string>();
        void Add(string key, string? value) { if (!string.IsNullOrEmpty(value)) parts.Add($"{key}={Uri.EscapeDataString(value)}"); }
        Add("handler", handler);
        Add("status", Status); Add("procedure", Procedure); Add("date", Date); Add("needs", Needs); Add("patient", Patient); Add("pageNumber", page);
        return "/dashboard" + (parts.Count > 0 ? "?" + string.Join('&', parts) : "");
    }

    public IEnumerable<string> NeedsOf(ConsentSummary row)
    {
        var status = row.Record.Runtime.Status;
        if (status == ConsentStatus.NeedsDiscussion) yield return "Question";
        if (status == ConsentStatus.AwaitingCountersign) yield return "Countersign";
        if (IsStalled(row)) yield return "Stalled";
        if (Unconfirmed.Contains(row.Id)) yield return "Withdrawal unconfirmed";
        if (SoonNotAllowed.Contains(row.Id)) yield return "Procedure soon, not allowed yet";
    }

    public (int Done, int Total) ProgressOf(ConsentSummary row) =>
        workflows.Catalog.Find(row.WorkflowId, row.WorkflowVersion) is { } d ? Navigation.Progress(d, row.Record.Runtime) : (0, 0);

    private bool IsStalled(ConsentSummary row) =>
        row.Record.Runtime.Status is ConsentStatus.Pending or ConsentStatus.InProgress && row.UpdatedAt < Now - StalledAfter;

    private (string Field, string Message)? Validate()
    {
        if (Status is { Length: > 0 } && ConsentStatusNames.FromContract(Status) is null) return ("status", "Choose a status from the list.");
        if (Procedure is { Length: > 0 } && ConsentsApi.PatientAndProcedureProblem("x", Procedure) is not null) return ("procedure", "A procedure code is 1 to 32 letters, digits, '.', '-' or '_'.");
        if (Patient is { Length: > 0 } && ConsentsApi.PatientAndProcedureProblem(Patient, "x") is not null) return ("patient", "A patient id is 1 to 64 letters, digits, '.', '-' or '_'.");
        if (Date is { Length: > 0 } && !DateOnly.TryParseExact(Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)) return ("date", "A date is written 2026-11-25.");
        if (Needs is { Length: > 0 } && NeedsOptions.All(n => n.Value != Needs)) return ("needs", "Choose one of the listed needs.");
        if (PageText is { Length: > 0 } && (!int.TryParse(PageText, NumberStyles.None, CultureInfo.InvariantCulture, out var page) || page < 1)) return ("pageNumber", "A page is a whole number from 1.");
        PageNumber = PageText is { Length: > 0 } ? int.Parse(PageText, CultureInfo.InvariantCulture) : 1;
        return null;
    }

    private async Task LoadAsync(int take, string audit = "list")
    {
        await using var session = store.LightweightSession(Clinic);
        var query = session.Query<ConsentSummary>().Where(s => true);
        if (Status is { Length: > 0 }) query = query.Where(s => s.Status == Status);
        if (Procedure is { Length: > 0 }) query = query.Where(s => s.ProcedureCode == Procedure);
        if (Patient is { Length: > 0 }) query = query.Where(s => s.PatientId == Patient);
        if (Date is { Length: > 0 })
        {
            var day = new DateTimeOffset(DateOnly.ParseExact(Date, "yyyy-MM-dd", CultureInfo.InvariantCulture).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var next = day.AddDays(1);
            query = query.Where(s => s.CreatedAt >= day && s.CreatedAt < next);
        }
        var open = new[] { ConsentStatus.Pending.ToContract(), ConsentStatus.InProgress.ToContract() };
        var stalledBefore = Now - StalledAfter;
        var withdrawn = ConsentStatus.Withdrawn.ToContract();
        var discussing = ConsentStatus.NeedsDiscussion.ToContract();
        var countersigning = ConsentStatus.AwaitingCountersign.ToContract();
        var weekAgo = Now.AddDays(-7);
        var soonUntil = Now + SoonWithin;
        var ended = Enum.GetValues<ConsentStatus>().Where(x => x.IsFinal()).Select(x => x.ToContract()).ToArray();
        query = Needs switch
        {
            "questions" => query.Where(s => s.Status == discussing),
            "countersign" => query.Where(s => s.Status == countersigning),
            "stalled" => query.Where(s => s.Status.IsOneOf(open) && s.UpdatedAt < stalledBefore),
            "unconfirmed" => query.Where(s => s.Status == withdrawn && s.UpdatedAt >= weekAgo),
            "soon" => query.Where(s => s.Record.ScheduledFor >= Now && s.Record.ScheduledFor <= soonUntil && !s.Status.IsOneOf(ended)),
            _ => query,
        };
        if (Needs == "soon")
        {
            // Few procedures in the next two days; each is asked of the gate for its own booked time.
            var candidates = await query.OrderBy(s => s.Record.ScheduledFor).Take(500).ToListAsync(HttpContext.RequestAborted);
            var waiting = new List<ConsentSummary>();
            foreach (var c in candidates)
            {
                var inputs = await gate.ReadAsync(Clinic, c.PatientId, c.ProcedureCode, HttpContext.RequestAborted);
                if (!GateRules.Evaluate(inputs.Candidates, c.Record.ScheduledFor!.Value).Allowed) waiting.Add(c);
            }
            Total = waiting.Count;
            Rows = [.. waiting.Skip((PageNumber - 1) * take).Take(take)];
            foreach (var row in Rows) SoonNotAllowed.Add(row.Id);
        }
        else if (Needs == "unconfirmed")
        {
            // Few withdrawals in a week; each is checked against the subscribers' confirmations.
            var candidates = await query.OrderByDescending(s => s.UpdatedAt).Take(500).ToListAsync(HttpContext.RequestAborted);
            var late = new List<ConsentSummary>();
            foreach (var c in candidates)
            {
                if (!(await acks.ForConsentAsync(Clinic, c, HttpContext.RequestAborted)).WithdrawalConfirmed) late.Add(c);
            }
            Total = late.Count;
            Rows = [.. late.Skip((PageNumber - 1) * take).Take(take)];
            foreach (var row in Rows) Unconfirmed.Add(row.Id);
        }
        else
        {
            Total = await query.CountAsync(HttpContext.RequestAborted);
            Rows = await query.OrderByDescending(s => s.UpdatedAt).Skip((PageNumber - 1) * take).Take(take).ToListAsync(HttpContext.RequestAborted);
        }
        await ConsentsApi.RecordAccess(HttpContext, session, "(list)", $"dashboard {audit}: " + string.Join(",", Rows.Select(r => r.Id)), clock);
    }

    /// <summary>Today (UTC) in numbers: started, granted, declined, and stalled right now.</summary>
    private async Task<IReadOnlyList<(string, int)>> DayFlowAsync()
    {
        await using var session = store.QuerySession(Clinic);
        var day = new DateTimeOffset(Now.UtcDateTime.Date, TimeSpan.Zero);
        var open = new[] { ConsentStatus.Pending.ToContract(), ConsentStatus.InProgress.ToContract() };
        var stalledBefore = Now - StalledAfter;
        var declined = ConsentStatus.Declined.ToContract();
        var ct = HttpContext.RequestAborted;
        var started = await session.Query<ConsentSummary>().CountAsync(s => s.CreatedAt >= day, ct);
        var granted = await session.Query<ConsentSummary>().CountAsync(s => s.Record.Runtime.GrantedAt >= day, ct);
        var declinedToday = await session.Query<ConsentSummary>().CountAsync(s => s.Status == declined && s.UpdatedAt >= day, ct);
        var stalled = await session.Query<ConsentSummary>().CountAsync(s => s.Status.IsOneOf(open) && s.UpdatedAt < stalledBefore, ct);
        return [("Started", started), ("Granted", granted), ("Declined", declinedToday), ("Stalled now", stalled)];
    }

    private static string Iso(DateTimeOffset? at) => at?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) ?? "";

    // A cell a spreadsheet would run as a formula is written as text.
    private static string Cell(string value)
    {
        var safe = value.Length > 0 && "=+-@\t\r".Contains(value[0]) ? "'" + value : value;
        return safe.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : safe;
    }
}
