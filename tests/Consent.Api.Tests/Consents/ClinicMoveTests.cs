using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Tests.Support;
using Npgsql;

namespace Consent.Api.Tests.Consents;

/// <summary>
/// <c>Consent.Api move-clinic</c> (docs/adr/0003-clinic-databases.md, "Moving a clinic"), run as an operator runs it:
/// the built service's program with the service's configuration. Clinic C is moved from the default database (S, the
/// test command's PostgreSQL) to "second" (T, the second server); clinic D stays on S throughout.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class ClinicMoveTests
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private string Schema => "move_" + _suffix;
    private string C => "movec-" + _suffix;
    private string D => "moved-" + _suffix;
    private static string S => TestInfrastructure.Postgres;
    private static string T => TestInfrastructure.Postgres2;
    private const string Subscriber = "mover-sub";

    /// <summary>The service's settings: both databases known, C on S (not mapped) or on T (mapped after the move); a subscriber registered for C.</summary>
    private Dictionary<string, string?> Settings(bool movedToSecond)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Store:Schema"] = Schema,
            ["Store:Databases:second:ConnectionString"] = T,
            [$"Store:ClinicDatabases:{D}"] = "default",
            ["Gate:Subscribers:0:Name"] = "scheduler",
            ["Gate:Subscribers:0:Clinic"] = C,
            ["Gate:Subscribers:0:Subject"] = Subscriber,
            ["Gate:MonitorEnabled"] = "false",
        };
        if (movedToSecond) settings[$"Store:ClinicDatabases:{C}"] = "second";
        return settings;
    }

    /// <summary>The same settings as the environment of the built program (CONSENT_ prefix, __ for :).</summary>
    private Dictionary<string, string> Environment(bool movedToSecond)
    {
        var environment = Settings(movedToSecond).ToDictionary(s => "CONSENT_" + s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        environment["CONSENT_ConnectionStrings__Postgres"] = S;
        return environment;
    }

    private Task<(int Exit, string Out, string Err)> MoveClinicAsync(bool movedToSecond, params string[] args) =>
        BuiltPrograms.ServiceAsync(Environment(movedToSecond), ["move-clinic", .. args]);

    private static async Task<(string Id, string TabletToken)> StartAsync(ConsentDriver driver, string patientId)
    {
        var response = await driver.Coordinator.PostAsync("/api/consents", ConsentDriver.Json(new { patientId, procedureCode = "MSC-1", workflowId = "lumbar-puncture", locale = "en" }));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        return (body.GetProperty("id").GetString()!, body.GetProperty("tabletToken").GetString()!);
    }

    private static async Task<string> GrantedAsync(ConsentDriver driver, string patientId)
    {
        var (id, token) = await StartAsync(driver, patientId);
        (await ConsentDriver.Walk(driver.TabletClient(token), id, "lumbar-puncture")).GetProperty("status").GetString().ShouldBe("granted");
        return id;
    }

    private static async Task<JsonElement> GateAsync(ApiFactory factory, string clinic, string patientId) =>
        await factory.ClientAs("integration", clinic).GetFromJsonAsync<JsonElement>($"/api/gate?patientId={patientId}&procedureCode=MSC-1");

    /// <summary>Waits until the database's relay has published every stored event.</summary>
    private async Task DrainedAsync(string database)
    {
        for (var waited = 0; waited < 300; waited++)
        {
            if (await ScalarAsync<long>(database, $"select coalesce(max(seq_id), 0) from {Schema}.mt_events") <= await StoredRows.RelayPositionAsync(Schema, database)) return;
            await Task.Delay(100);
        }
        throw new TimeoutException("the relay did not drain");
    }

    private static async Task<T> ScalarAsync<T>(string database, string sql, params object[] values)
    {
        await using var db = NpgsqlDataSource.Create(database);
        await using var command = db.CreateCommand(sql);
        foreach (var value in values) command.Parameters.AddWithValue(value);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Everything of the schema in one database, in one line: every table's row count, the event sequence, the relay's position.</summary>
    private Task<string> StateAsync(string database) => ScalarAsync<string>(database,
        $"""
         select string_agg(table_name || '=' || (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I', table_schema, table_name), false, true, '')))[1]::text, ',' order by table_name)
                || ' seq=' || (select last_value from {Schema}.mt_events_sequence)::text
                || ' relay=' || coalesce((select string_agg(consumer || ':' || position, ',') from {Schema}.relay_positions), '-')
           from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE'
         """, Schema);

    /// <summary>A clinic's rows in one database, table by table (the tablet sessions by the clinic they carry).</summary>
    private async Task<string> RowsOfAsync(string clinic, string database)
    {
        var counts = new List<string>();
        foreach (var table in new[] { "mt_events", "mt_streams", "mt_doc_consentsummary", "mt_doc_accessrecord", "mt_doc_idempotentresponse" })
            counts.Add($"{table}={await StoredRows.CountAsync(Schema, table, clinic, database)}");
        counts.Add($"mt_doc_tabletsession={await ScalarAsync<long>(database, $"select count(*) from {Schema}.mt_doc_tabletsession where data ->> 'ClinicId' = $1", clinic)}");
        foreach (var table in new[] { "gate_changes", "gate_acks" })
            counts.Add($"{table}={await StoredRows.CountAsync(Schema, table, clinic, database, "clinic")}");
        return string.Join(' ', counts);
    }

    [Fact]
    public async Task A_moved_clinic_verifies_keeps_its_gate_continues_its_streams_with_growing_sequences_and_is_deleted_from_the_source_only_on_request()
    {
        await using var listener = await AmqpListener.StartAsync(TestInfrastructure.AmqpSubscriber);
        string granted, withdrawn, inProgress, inProgressToken, other;
        var gateBefore = new Dictionary<string, JsonElement>();
        long lastSeen;
        await using (var before = new ApiFactory(Settings(movedToSecond: false)))
        {
            var c = new ConsentDriver(before, C);
            granted = await GrantedAsync(c, "P-MOVE-1");
            withdrawn = await GrantedAsync(c, "P-MOVE-2");
            // An Idempotency-Key'd withdrawal: its stored answer is one of the clinic's documents.
            var withdraw = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{withdrawn}/withdraw") { Content = ConsentDriver.Json(new { reason = "patient_request" }) };
            withdraw.Headers.Add("Idempotency-Key", "move-" + _suffix);
            (await c.Coordinator.SendAsync(withdraw)).StatusCode.ShouldBe(HttpStatusCode.OK);
            (inProgress, inProgressToken) = await StartAsync(c, "P-MOVE-3");
            other = await GrantedAsync(new ConsentDriver(before, D), "P-MOVE-1");
            (await c.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{granted}/verify")).GetProperty("valid").GetBoolean().ShouldBeTrue();

            foreach (var patient in new[] { "P-MOVE-1", "P-MOVE-2", "P-MOVE-3" }) gateBefore[patient] = await GateAsync(before, C, patient);
            // The registered subscriber confirms the withdrawal's gate change.
            var scheduler = before.CreateClient();
            scheduler.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", before.Token("integration", C, Subscriber));
            (await scheduler.PostAsync("/api/gate/acks", ConsentDriver.Json(new { patientId = "P-MOVE-2", procedureCode = "MSC-1", sequence = gateBefore["P-MOVE-2"].GetProperty("sequence").GetInt64() })))
                .StatusCode.ShouldBe(HttpStatusCode.OK);
            (await c.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{withdrawn}/acks")).GetProperty("withdrawalConfirmed").GetBoolean().ShouldBeTrue();

            await DrainedAsync(S);
            await listener.WaitFor(m => listener.Once(withdrawn).Any(w => w.MessageType.EndsWith(":ConsentWithdrawn", StringComparison.Ordinal))
                                        && listener.Once(inProgress).Any() && listener.Once(other).Any());
            var changes = await before.ClientAs("integration", C).GetFromJsonAsync<JsonElement>("/api/gate/changes?since=0&limit=100");
            lastSeen = changes.GetProperty("items").EnumerateArray().Max(i => i.GetProperty("sequence").GetInt64());
        }
        var publishedBefore = listener.Received.Select(m => m.MessageId).ToList();
        var inSource = await RowsOfAsync(C, S);
        var otherInSource = await RowsOfAsync(D, S);

        // The plan prints counts and changes nothing.
        var (stateS, stateT) = (await StateAsync(S), await StateAsync(T));
        var plan = await MoveClinicAsync(false, "--clinic", C, "--to", "second", "--plan");
        plan.Exit.ShouldBe(0, plan.Out + plan.Err);
        plan.Out.ShouldContain("mt_streams");
        plan.Out.ShouldContain("the move is possible");
        (await StateAsync(S), await StateAsync(T)).ShouldBe((stateS, stateT), "a plan writes nothing");

        var copy = await MoveClinicAsync(false, "--clinic", C, "--to", "second");
        copy.Exit.ShouldBe(0, copy.Out + copy.Err);
        copy.Out.ShouldContain("verified 3 of 3 consents in second");
        foreach (var phi in new[] { "P-MOVE-", "Jane Doe", "JD" }) (copy.Out + copy.Err + plan.Out).ShouldNotContain(phi);
        var inTarget = await RowsOfAsync(C, T);
        inTarget.ShouldBe(inSource.Replace(inSource.Split(' ').Single(c => c.StartsWith("gate_changes=", StringComparison.Ordinal)), "gate_changes=0", StringComparison.Ordinal),
            "every row of the clinic but its published gate changes is copied");
        (await RowsOfAsync(C, S)).ShouldBe(inSource, "the copy leaves the source as it was");

        // Deleting the source is refused while the clinic is still mapped to it.
        var early = await MoveClinicAsync(false, "--clinic", C, "--from", "default", "--delete-source");
        early.Exit.ShouldBe(1, early.Out + early.Err);
        early.Err.ShouldContain("still mapped to database default");
        (await RowsOfAsync(C, S)).ShouldBe(inSource);

        await using (var after = new ApiFactory(Settings(movedToSecond: true)))
        {
            var c = new ConsentDriver(after, C);
            foreach (var id in new[] { granted, withdrawn, inProgress })
                (await c.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/verify")).GetProperty("valid").GetBoolean().ShouldBeTrue($"{id} verifies in the target");
            foreach (var (patient, was) in gateBefore)
            {
                var now = await GateAsync(after, C, patient);
                (now.GetProperty("allowed").GetBoolean(), now.GetProperty("reason").GetString(), now.GetProperty("consentId").GetString())
                    .ShouldBe((was.GetProperty("allowed").GetBoolean(), was.GetProperty("reason").GetString(), was.GetProperty("consentId").GetString()), patient);
                now.GetProperty("sequence").GetInt64().ShouldBeGreaterThan(lastSeen, "the gate's sequence only grows for the clinic");
            }
            // The subscriber's confirmation of the withdrawal still counts, carried to the withdrawal's new position.
            (await c.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{withdrawn}/acks")).GetProperty("withdrawalConfirmed").GetBoolean().ShouldBeTrue();

            // The tablet link moved with its consent: the patient finishes where they stopped, and the stream continues.
            (await ConsentDriver.Walk(c.TabletClient(inProgressToken), inProgress, "lumbar-puncture")).GetProperty("status").GetString().ShouldBe("granted");
            (await c.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{inProgress}/verify")).GetProperty("valid").GetBoolean().ShouldBeTrue();
            (await GateAsync(after, C, "P-MOVE-3")).GetProperty("allowed").GetBoolean().ShouldBeTrue();

            // A subscriber catching up from the last sequence it saw reads the new change, above everything it had.
            await listener.WaitFor(_ => listener.Once(inProgress).Any(m => m.MessageType.EndsWith(":ConsentGranted", StringComparison.Ordinal)));
            var caughtUp = await after.ClientAs("integration", C).GetFromJsonAsync<JsonElement>($"/api/gate/changes?since={lastSeen}&limit=100");
            var sequences = caughtUp.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sequence").GetInt64()).ToList();
            sequences.ShouldNotBeEmpty();
            sequences.ShouldAllBe(s => s > lastSeen);
            sequences.ShouldBe(sequences.Order().ToList());
            caughtUp.GetProperty("items").EnumerateArray().Last().GetProperty("consentId").GetString().ShouldBe(inProgress);

            // The target's relay did not publish the clinic's history again: every message since the restart is new.
            var republished = listener.Received.Skip(publishedBefore.Count).Where(m => publishedBefore.Contains(m.MessageId)).ToList();
            republished.Count.ShouldBe(0, "history published again: " + string.Join(", ", republished.Select(m => m.MessageType)));
            (await GateAsync(after, D, "P-MOVE-1")).GetProperty("consentId").GetString().ShouldBe(other, "the other clinic is served from the source as before");
        }

        var deleted = await MoveClinicAsync(true, "--clinic", C, "--from", "default", "--delete-source");
        deleted.Exit.ShouldBe(0, deleted.Out + deleted.Err);
        (await RowsOfAsync(C, S)).ShouldBe("mt_events=0 mt_streams=0 mt_doc_consentsummary=0 mt_doc_accessrecord=0 mt_doc_idempotentresponse=0 mt_doc_tabletsession=0 gate_changes=0 gate_acks=0");
        (await RowsOfAsync(D, S)).ShouldBe(otherInSource, "the other clinic on the source is untouched");
        (await StoredRows.CountAsync(Schema, "mt_events", C, T)).ShouldBeGreaterThan(0, "the target keeps the clinic");
    }

    [Fact]
    public async Task A_move_that_cannot_be_done_is_refused_with_its_reason_and_changes_neither_database()
    {
        await using (var before = new ApiFactory(Settings(movedToSecond: false)))
        {
            await StartAsync(new ConsentDriver(before, C), "P-REFUSE-1");
            await StartAsync(new ConsentDriver(before, D), "P-REFUSE-2");
            await DrainedAsync(S);
            // A running instance holds the target's relay lock: its relay would publish the copied history again.
            var running = await MoveClinicAsync(false, "--clinic", C, "--to", "second");
            running.Exit.ShouldBe(1, running.Out + running.Err);
            running.Err.ShouldContain("relaying on database second");
        }
        var (stateS, stateT) = (await StateAsync(S), await StateAsync(T));

        async Task Refused(string because, params string[] args)
        {
            var run = await MoveClinicAsync(false, args);
            run.Exit.ShouldBe(1, run.Out + run.Err);
            run.Err.ShouldContain(because);
        }

        await Refused("holds no consent of clinic", "--clinic", "nosuch-" + _suffix, "--to", "second");
        await Refused("no database 'elsewhere'", "--clinic", C, "--to", "elsewhere");
        await Refused("unknown clinic", "--clinic", "no.dots", "--to", "second");

        // The source's relay is behind: some of the clinic's events were never published.
        await ScalarAsync<int>(S, $"update {Schema}.relay_positions set position = position - 1 returning 0");
        var behind = await StateAsync(S);
        await Refused("relay has not published every event", "--clinic", C, "--to", "second");
        (await StateAsync(S)).ShouldBe(behind);
        await ScalarAsync<int>(S, $"update {Schema}.relay_positions set position = position + 1 returning 0");

        // The target already holds a row of the clinic.
        await ScalarAsync<int>(T, $"insert into {Schema}.gate_acks values ($1, 'x', 'y', 'z', 1, now()) returning 0", C);
        var occupied = await StateAsync(T);
        await Refused("already holds rows of clinic", "--clinic", C, "--to", "second");
        (await StateAsync(T)).ShouldBe(occupied);
        await ScalarAsync<int>(T, $"delete from {Schema}.gate_acks where clinic = $1 returning 0", C);

        // The target's schema is not this version's.
        await ScalarAsync<int>(T, $"alter table {Schema}.gate_acks add column note text; select 0");
        await Refused("schema", "--clinic", C, "--to", "second");
        await ScalarAsync<int>(T, $"alter table {Schema}.gate_acks drop column note; select 0");

        (await StateAsync(S), await StateAsync(T)).ShouldBe((stateS, stateT), "refusals leave both databases as they were");

        // A consent whose history was edited in the source does not verify once copied: the copy is taken back out of
        // the target (only its sequence stays raised: PostgreSQL's sequences are not transactional).
        (await StoredRows.EditEventFieldAsync(Schema, (await ConsentIdsAsync(S, C)).Single(), "PatientId", "\"P-EDITED\"", version: 1, database: S)).ShouldBe(1);
        stateS = await StateAsync(S);
        var copied = await MoveClinicAsync(false, "--clinic", C, "--to", "second");
        copied.Exit.ShouldBe(1, copied.Out + copied.Err);
        copied.Err.ShouldContain("1 of 1 copied consents did not verify in second");
        (copied.Out + copied.Err).ShouldNotContain("P-EDITED");
        (await StateAsync(S)).ShouldBe(stateS);
        (await StateAsync(T)).Split(" seq=")[0].ShouldBe(stateT.Split(" seq=")[0]);
        (await StateAsync(T)).Split(" relay=")[1].ShouldBe(stateT.Split(" relay=")[1], "the target's relay position is put back");
    }

    private async Task<IReadOnlyList<string>> ConsentIdsAsync(string database, string clinic)
    {
        await using var db = NpgsqlDataSource.Create(database);
        await using var command = db.CreateCommand($"select id from {Schema}.mt_streams where tenant_id = $1");
        command.Parameters.AddWithValue(clinic);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }
}
