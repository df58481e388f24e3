using System.Net.Http.Headers;
using System.Text.Json;

namespace Consent.Cluster.FaultDriver;

/// <summary>What survived: the acknowledged steps in storage, and the events a subscriber received.</summary>
internal sealed record StepCheck(int Consents, int AckedSteps, int Lost, int Doubled, int ChainsBroken);

internal sealed record EventCheck(int Expected, int Received, int Lost, int DuplicateIds, int Redelivered);

/// <summary>One clinic's checks (each clinic in its own database): what its tablets got acknowledged, what its subscriber got.</summary>
internal sealed record ClinicCheck(string Clinic, StepCheck Steps, EventCheck Events);

internal static class Checks
{
    /// <summary>
    /// Every acknowledged step has its event in the consent's stored history (lost otherwise), no step's event is
    /// stored twice (doubled), and every consent's hash chain still verifies: for <paramref name="demo"/>'s clinic, read with
    /// its coordinator's token (so from its database).
    /// </summary>
    public static async Task<StepCheck> StepsAsync(HttpClient http, Demo demo, Ledger ledger)
    {
        var ackedSteps = ledger.Acked.Where(a => a.Clinic == demo.Clinic).ToList();
        var acked = ackedSteps.GroupBy(a => a.ConsentId).ToDictionary(g => g.Key, g => g.Select(a => a.StepId).ToList());
        var consents = ledger.Consents.Where(c => c.Value.Clinic == demo.Clinic).Select(c => c.Key).ToList();
        int lost = 0, doubled = 0, broken = 0;
        foreach (var id in consents)
        {
            var history = await GetAsync(http, $"/api/consents/{id}/history", demo.Coordinator);
            var stepEvents = history.EnumerateArray()
                .Where(e => e.GetProperty("data").TryGetProperty("stepId", out _))
                .Select(e => (Type: e.GetProperty("type").GetString()!, Step: e.GetProperty("data").GetProperty("stepId").GetString()!))
                .ToList();
            doubled += stepEvents.GroupBy(e => e).Count(g => g.Count() > 1);
            var stored = stepEvents.Select(e => e.Step).ToHashSet();
            lost += acked.GetValueOrDefault(id, []).Count(step => !stored.Contains(step));
            var verify = await GetAsync(http, $"/api/consents/{id}/verify", demo.Coordinator);
            if (!verify.GetProperty("valid").GetBoolean()) broken++;
        }
        return new StepCheck(consents.Count, ackedSteps.Count, lost, doubled, broken);
    }

    /// <summary>
    /// The gate changes the service stored for this run's consents (GET /api/gate/changes) against what the subscriber
    /// received: each must arrive (lost otherwise) under one message id (a second id for the same change is a
    /// duplicate a subscriber could not drop); redeliveries of the same id are counted but are what deduplication is for.
    /// A ConsentGranted must likewise arrive once per countersigned consent. Waits up to <paramref name="wait"/> for
    /// the relay to catch up.
    /// </summary>
    public static async Task<EventCheck> EventsAsync(HttpClient http, Demo demo, Ledger ledger, EventWatch watch, TimeSpan wait)
    {
        var mine = ledger.Consents.Where(c => c.Value.Clinic == demo.Clinic).Select(c => c.Key).ToHashSet();
        var granted = ledger.Consents.Where(c => c.Value.Clinic == demo.Clinic && c.Value.Granted).Select(c => c.Key).ToHashSet();
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var expected = (await GateChangesAsync(http, demo)).Where(c => mine.Contains(c.ConsentId)).ToList();
            var received = watch.Deliveries.ToArray();
            var gateIds = received.Where(d => d.Type == "SchedulingGateChanged").GroupBy(d => d.Sequence).ToDictionary(g => g.Key!.Value, g => g.Select(d => d.MessageId).Distinct().Count());
            var grantIds = received.Where(d => d.Type == "ConsentGranted").GroupBy(d => d.ConsentId).ToDictionary(g => g.Key, g => g.Select(d => d.MessageId).Distinct().Count());
            var lost = expected.Count(c => !gateIds.ContainsKey(c.Sequence)) + granted.Count(c => !grantIds.ContainsKey(c));
            if (lost == 0 || DateTime.UtcNow > deadline)
            {
                var expectedSequences = expected.Select(c => c.Sequence).ToHashSet();
                var duplicateIds = gateIds.Sum(g => g.Value - 1) + grantIds.Sum(g => g.Value - 1)
                    // a gate change the service never stored but a subscriber received: as bad as a duplicate
                    + received.Count(d => d.Type == "SchedulingGateChanged" && mine.Contains(d.ConsentId) && !expectedSequences.Contains(d.Sequence!.Value));
                var relevant = received.Where(d => mine.Contains(d.ConsentId)).ToList();
                return new EventCheck(expected.Count + granted.Count, relevant.Select(d => d.MessageId).Distinct().Count(), lost, duplicateIds,
                    relevant.Count - relevant.Select(d => d.MessageId).Distinct().Count());
            }
            await Task.Delay(1000);
        }
    }

    private sealed record GateChange(string ConsentId, long Sequence);

    private static async Task<List<GateChange>> GateChangesAsync(HttpClient http, Demo demo)
    {
        var all = new List<GateChange>();
        long since = 0;
        while (true)
        {
            var page = await GetAsync(http, $"/api/gate/changes?since={since}&limit=500", demo.Integration);
            var items = page.GetProperty("items");
            foreach (var item in items.EnumerateArray())
            {
                all.Add(new GateChange(item.GetProperty("consentId").GetString()!, item.GetProperty("sequence").GetInt64()));
            }
            if (items.GetArrayLength() == 0 || page.GetProperty("next").ValueKind != JsonValueKind.Number) return all;
            var next = page.GetProperty("next").GetInt64();
            if (next <= since) return all;
            since = next;
        }
    }

    /// <summary>A read, retried through a fault's tail end: checks run after the fault, not during it.</summary>
    private static async Task<JsonElement> GetAsync(HttpClient http, string path, string bearer)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            try
            {
                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode) return JsonDocument.Parse(text).RootElement.Clone();
                if (attempt >= 60 || (int)response.StatusCode < 500) throw new InvalidOperationException($"GET {path.Split('?')[0]}: {(int)response.StatusCode} {text}");
            }
            catch (HttpRequestException) when (attempt < 60)
            {
            }
            await Task.Delay(1000);
        }
    }
}
