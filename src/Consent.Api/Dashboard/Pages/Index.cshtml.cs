using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using Consent.Api.Auth;
using Consent.Api.Clinics;
using Consent.Workflows.Clinics;
using Consent.Api.Consents;
using Consent.Api.Consents.Listing;
using Consent.Api.Gate;
using Consent.Api.Workflows;
using Consent.Workflows.Runtime;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Consent.Api.Dashboard.Pages;

/// <summary>
/// The coordinator's start page: the clinic's work queue (what needs staff now, most urgent first, oldest first), then
/// its consents with filters, a search by patient name or id, paging, CSV export and the day's flow. The filters are
/// posted, so a patient's name typed in the search never lands in a URL, a browser's history or an access log.
/// </summary>
[Authorize(AuthenticationSchemes = DashboardSetup.CookieScheme, Policy = Policies.CoordinatorOrClinician)]
public sealed class IndexModel(IDocumentStore store, PublishedWorkflows workflows, Worklist queue, TimeProvider clock, ClinicSettings clocks) : PageModel
{
    public const int PageSize = 25;
    public static IReadOnlyList<(string Value, string Label)> NeedsOptions => Worklist.Kinds;

    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? Procedure { get; set; }
    [BindProperty(SupportsGet = true)] public string? Date { get; set; }
    [BindProperty(SupportsGet = true)] public string? Needs { get; set; }
    [BindProperty(SupportsGet = true)] public string? Patient { get; set; }
    /// <summary>Part of a patient's name or id, any case: posted only (see the class comment).</summary>
    [BindProperty] public string? Search { get; set; }
    // "page" is Razor Pages' own route value, so the page number travels as "pageNumber".
    [BindProperty(SupportsGet = true, Name = "pageNumber")] public string? PageText { get; set; }

    public int PageNumber { get; private set; } = 1;
    /// <summary>The instants of the chosen <see cref="Date"/>, a day of the clinic's calendar, once it is valid.</summary>
    private (DateTimeOffset Start, DateTimeOffset End)? Day { get; set; }
    public IReadOnlyList<ConsentSummary> Rows { get; private set; } = [];
    public int Total { get; private set; }
    /// <summary>The list goes on beyond <see cref="Total"/>, which is where its count stopped (ConsentListing.PageForPeopleAsync).</summary>
    public bool More { get; private set; }
    public string TotalText => More ? $"More than {Total.ToString("N0", CultureInfo.InvariantCulture)}" : Number(Total);
    public (string Field, string Message)? Problem { get; private set; }
    public IReadOnlyList<(string Label, int Count)> Flow { get; private set; } = [];
    public HashSet<string> Unconfirmed { get; } = new(StringComparer.Ordinal);
    public HashSet<string> SoonNotAllowed { get; } = new(StringComparer.Ordinal);
    public WorklistView? Queue { get; private set; }
    public DateTimeOffset Now { get; } = clock.GetUtcNow();
    /// <summary>The clinic's time zone: its staff read local times, the day's flow is the clinic's day.</summary>
    public TimeZoneInfo Zone => clocks.ZoneOf(User);
    public string When(DateTimeOffset? at) => ClinicTime.Show(at, Zone);

    private string Clinic => User.FindFirst(StaffRoles.ClinicClaim)!.Value;

    /// <summary>The filters the JSON API's list has too (empty fields filter nothing).</summary>
    private ConsentFilter Filter => new(NullIfEmpty(Status), NullIfEmpty(Patient), NullIfEmpty(Procedure));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public async Task<IActionResult> OnGetAsync()
    {
        ViewData["Live"] = "list";
        var reading = queue.ReadAsync(Clinic, Now, HttpContext.RequestAborted);
        if (Validate() is { } problem)
        {
            Queue = await reading;
            Problem = problem;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        // The queue, the list and the day's flow each read in a session of their own, side by side: the page waits for
        // the slowest of them, not for all three in turn.
        var flow = DayFlowAsync();
        var listing = LoadAsync(PageSize);
        await Task.WhenAll(reading, flow, listing);
        Queue = await reading;
        Flow = await flow;
        return Page();
    }

    /// <summary>The filter form, posted (it may carry a patient's name).</summary>
    public Task<IActionResult> OnPostAsync() => OnGetAsync();

    /// <summary>Only the table, for the live update to swap in.</summary>
    public async Task<IActionResult> OnGetRowsAsync()
    {
        if (Validate() is not null) return BadRequest();
        await LoadAsync(PageSize);
        return Partial("/Dashboard/Pages/_Rows.cshtml", this);
    }

    /// <summary>The table of a posted search, for the live update to swap in.</summary>
    public Task<IActionResult> OnPostRowsAsync() => OnGetRowsAsync();

    /// <summary>Only the work queue, for the live update to swap in.</summary>
    public async Task<IActionResult> OnGetQueueAsync()
    {
        Queue = await queue.ReadAsync(Clinic, Now, HttpContext.RequestAborted);
        return Partial("/Dashboard/Pages/_Queue.cshtml", this);
    }

    public Task<IActionResult> OnPostCsvAsync() => OnGetCsvAsync();

    public async Task<IActionResult> OnGetCsvAsync()
    {
        if (Validate() is { } problem) return BadRequest(problem.Message);
        PageNumber = 1;
        await LoadAsync(5000, audit: "export");
        // Spreadsheet-safe: progress as two numbers (never "11/36", which a spreadsheet turns into a date), times as
        // ISO 8601 to the second with the clinic's offset, and what the consent needs from staff in its own column.
        var csv = new StringBuilder("id,patientId,patientName,procedureCode,workflowId,workflowVersion,status,needs,stepsDone,stepsTotal,percentDone,createdAt,updatedAt,grantedAt,validFrom,validUntil,procedureAt\r\n");
        foreach (var row in Rows)
        {
            var state = row.Record.Runtime;
            var progress = ProgressOf(row);
            csv.AppendJoin(',', new[]
            {
                row.Id, row.PatientId, row.PatientName ?? "", row.ProcedureCode, row.WorkflowId, Number(row.WorkflowVersion), row.Status, string.Join("; ", NeedsOf(row)),
                Number(progress.Done), Number(progress.Total), Number(progress.Percent),
                Iso(row.CreatedAt), Iso(row.UpdatedAt), Iso(state.GrantedAt), Iso(state.ValidFrom), Iso(state.ValidUntil), Iso(row.Record.ScheduledFor),
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
        if (row.Record.IdentityRejectedAt is not null) yield return "Not the right patient";
        if (status == ConsentStatus.NeedsDiscussion) yield return "Question";
        if (status == ConsentStatus.AwaitingCountersign) yield return "Countersign";
        if (IsStalled(row)) yield return "Stalled";
        if (Unconfirmed.Contains(row.Id)) yield return "Withdrawal unconfirmed";
        if (SoonNotAllowed.Contains(row.Id)) yield return "Procedure soon, not allowed yet";
    }

    /// <summary>The tablet's own measure (parts done against the most that can still be left), so the list and the patient agree.</summary>
    public SteadyProgress ProgressOf(ConsentSummary row) =>
        workflows.Catalog.Find(row.WorkflowId, row.WorkflowVersion) is { } d ? Navigation.Steady(d, row.Record.Runtime) : new SteadyProgress(0, 0);

    private bool IsStalled(ConsentSummary row) => (_isStalled ??= queue.Stalled(Now).Compile())(row);

    private Func<ConsentSummary, bool>? _isStalled;

    private (string Field, string Message)? Validate()
    {
        if (Filter.Problem(patientField: "patient", procedureField: "procedure") is { } problem) return problem;
        if (Date is { Length: > 0 })
        {
            if (!DateOnly.TryParseExact(Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return ("date", "A date is written 2026-11-25.");
            // The day after 9999-12-31 does not exist (a 500 once); no consent was started outside these years anyway.
            if (day.Year is < 2000 or > 2999) return ("date", "A date lies between 2000-01-01 and 2999-12-31.");
            Day = ClinicTime.Day(day, Zone);
        }
        if (Needs is { Length: > 0 } && NeedsOptions.All(n => n.Value != Needs)) return ("needs", "Choose one of the listed needs.");
        if (Search is { Length: > 0 })
        {
            Search = Search.Trim();
            if (Search.Length > 200 || Search.Any(char.IsControl)) return ("search", "A search is one line of at most 200 characters.");
        }
        if (PageText is { Length: > 0 })
        {
            if (!int.TryParse(PageText, NumberStyles.None, CultureInfo.InvariantCulture, out var page) || page < 1) return ("pageNumber", "A page is a whole number from 1.");
            PageNumber = page;
        }
        return null;
    }

    private async Task LoadAsync(int take, string audit = "list")
    {
        await using var session = store.LightweightSession(Clinic);
        var query = Filter.Apply(session.Query<ConsentSummary>());
        if (Day is var (dayStart, dayEnd))
        {
            query = query.Where(s => s.CreatedAt >= dayStart && s.CreatedAt < dayEnd);
        }
        if (Search is { Length: > 0 } term)
        {
            // Part of a name or id, any case (ILIKE): staff type what they have, "smith" or "55501".
            query = query.Where(s => s.PatientId.Contains(term, StringComparison.OrdinalIgnoreCase)
                || (s.PatientName != null && s.PatientName.Contains(term, StringComparison.OrdinalIgnoreCase)));
        }
        var discussing = ConsentStatus.NeedsDiscussion.ToContract();
        var countersigning = ConsentStatus.AwaitingCountersign.ToContract();
        query = Needs switch
        {
            "identity" => query.Where(Worklist.WrongPatient()),
            "questions" => query.Where(s => s.Status == discussing),
            "countersign" => query.Where(s => s.Status == countersigning),
            "stalled" => query.Where(queue.Stalled(Now)),
            "unconfirmed" => query.Where(Worklist.RecentlyWithdrawn(Now)),
            "soon" => query.Where(queue.BookedSoon(Now)),
            _ => query,
        };
        var ct = HttpContext.RequestAborted;
        if (Needs == "soon")
        {
            await KeepAsync(query.OrderBy(s => s.Record.ScheduledFor), take, SoonNotAllowed, c => queue.NotAllowedAtBookingAsync(Clinic, c, ct));
        }
        else if (Needs == "unconfirmed")
        {
            await KeepAsync(query.OrderByDescending(s => s.UpdatedAt), take, Unconfirmed, c => queue.WithdrawalUnconfirmedAsync(Clinic, c, ct));
        }
        else
        {
            (Rows, Total, More) = await ConsentListing.PageForPeopleAsync(query, PageNumber, take, ct);
        }
        await ConsentListing.RecordAsync(HttpContext, session, $"dashboard {audit}", Rows, clock);
    }

    /// <summary>The candidates a question the database cannot answer keeps, paged, each marked in <paramref name="marked"/>.</summary>
    private async Task KeepAsync(IQueryable<ConsentSummary> candidates, int take, HashSet<string> marked, Func<ConsentSummary, Task<bool>> keep)
    {
        var kept = new List<ConsentSummary>();
        foreach (var c in await candidates.Take(500).ToListAsync(HttpContext.RequestAborted))
        {
            if (await keep(c)) kept.Add(c);
        }
        Total = kept.Count;
        Rows = [.. kept.Skip((int)Math.Min(kept.Count, (long)(PageNumber - 1) * take)).Take(take)];
        foreach (var row in Rows) marked.Add(row.Id);
    }

    /// <summary>The clinic's today (its own calendar day) in numbers: started, granted, declined, and stalled right now.</summary>
    private async Task<IReadOnlyList<(string, int)>> DayFlowAsync()
    {
        await using var session = store.QuerySession(Clinic);
        var (day, _) = ClinicTime.Day(ClinicTime.DateAt(Now, Zone), Zone);
        var declined = ConsentStatus.Declined.ToContract();
        // Four counts in one round trip.
        var batch = session.CreateBatchQuery();
        var started = batch.Query<ConsentSummary>().Where(s => s.CreatedAt >= day).Count();
        var granted = batch.Query<ConsentSummary>().Where(s => s.Record.Runtime.GrantedAt >= day).Count();
        var declinedToday = batch.Query<ConsentSummary>().Where(s => s.Status == declined && s.UpdatedAt >= day).Count();
        var stalled = batch.Query<ConsentSummary>().Where(queue.Stalled(Now)).Count();
        await batch.Execute(HttpContext.RequestAborted);
        return [("Started", (int)await started), ("Granted", (int)await granted), ("Declined", (int)await declinedToday), ("Stalled now", (int)await stalled)];
    }

    private string Iso(DateTimeOffset? at) => ClinicTime.Iso(at, Zone);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    // A cell a spreadsheet would run as a formula is written as text.
    private static string Cell(string value)
    {
        var safe = value.Length > 0 && "=+-@\t\r".Contains(value[0]) ? "'" + value : value;
        return safe.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : safe;
    }
}
