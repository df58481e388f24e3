using Consent.Api.Consents;
using Consent.Api.Consents.Storage;
using Consent.Api.Gate;
using Consent.Api.Messaging;
using Consent.Workflows.Runtime;
using CsCheck;
using Contracts = Consent.Contracts;

namespace Consent.Api.UnitTests.Messaging;

public sealed class IntegrationEventMappingTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly ConsentRecord After = ConsentRecord.None with
    {
        Id = "cns_0123456789abcdef01234567", ClinicId = "demo", PatientId = "P-1", ProcedureCode = "MSC", Version = 9,
        Runtime = ConsentState.None with
        {
            Started = true, WorkflowId = "stem-cell-ms", WorkflowVersion = 1, Status = ConsentStatus.Granted,
            Choices = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("route", "a"),
            Provisions = System.Collections.Immutable.ImmutableDictionary<string, bool>.Empty.Add("photos", true),
        },
    };

    private static readonly GateAnswer Gate = new(true, Contracts.GateReasons.Granted, "cns_gate", At.AddHours(48), At.AddDays(90));

    private static StoredEvent Stored(ConsentEvent data, Guid? id = null, long sequence = 42) =>
        new(sequence, id ?? Guid.NewGuid(), After.Id, 9, "demo", data);

    /// <summary>One instance of every event type that changes the gate, with the name of the contract message it publishes beside the gate change ("": none).</summary>
    public static TheoryData<string, string> GateChanging => new()
    {
        { nameof(ConsentStarted), "" },
        { nameof(ConsentGranted), nameof(Contracts.ConsentGranted) },
        { nameof(ConsentDeclined), nameof(Contracts.ConsentDeclined) },
        { nameof(CoolingOffEnded), "" },
        { nameof(ConsentReaffirmed), "" },
        { nameof(ConsentExpired), nameof(Contracts.ConsentExpired) },
        { nameof(ConsentWithdrawn), nameof(Contracts.ConsentWithdrawn) },
        { nameof(ConsentSuperseded), nameof(Contracts.ReconsentRequired) },
    };

    private static readonly Dictionary<string, ConsentEvent> Samples = new ConsentEvent[]
    {
        new ConsentStarted("stem-cell-ms", 1, "hash", "en", null, "intro", At),
        new ConsentGranted(At.AddHours(48), At.AddDays(90), At),
        new ConsentDeclined(At),
        new CoolingOffEnded(At),
        new ConsentReaffirmed(At),
        new ConsentExpired(At),
        new ConsentWithdrawn("changed_mind", At),
        new ConsentSuperseded(2, ["risks"], At),
        new SectionRead("intro", "route", At),
        new RiskAcknowledged("risk-a", "JD", "quiz", At),
        new QuizAnswered("quiz", "wrong", false, 1, null, At),
        new ChoiceMade("route", "a", "risk-a", At),
        new ProvisionAnswered("photos", true, "decision", At),
        new DecisionRecorded("decision", true, "signature", At),
        new QuestionRaised("What is this?", "intro", At),
        new LocaleChanged("en", "es", At),
        new ReminderDue(At),
        new ConsentOpened(After.Id, "demo", "P-1", "MSC", TimeSpan.FromDays(3), At),
        new TabletLinkIssued("sha", At.AddHours(1), At),
        new TabletLinkRevoked(At),
        new ProcedureScheduled(At.AddDays(3), At),
    }.ToDictionary(e => e.GetType().Name);

    [Fact]
    public void The_samples_cover_every_event_type_that_changes_the_gate() =>
        GateRules.ChangingTypes.Select(t => t.Name).Order(StringComparer.Ordinal)
            .ShouldBe(GateChanging.Select(row => (string)row[0]).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(GateChanging))]
    public void A_gate_changing_event_publishes_its_contract_message_and_one_gate_change(string type, string contract)
    {
        var e = Stored(Samples[type]);
        var messages = IntegrationEvents.From(e, After, Gate);

        messages.Count.ShouldBe(contract == "" ? 1 : 2);
        if (contract != "")
        {
            messages[0].Message.GetType().ShouldBe(typeof(Contracts.ConsentGranted).Assembly.GetType("Consent.Contracts." + contract));
            messages[0].MessageId.ShouldBe(e.Id, "a message published again after a crash must carry the same id");
        }
        var gate = messages[^1].Message.ShouldBeOfType<Contracts.SchedulingGateChanged>();
        messages[^1].MessageId.ShouldBe(IntegrationEvents.GateMessageId(e.Id));
        gate.EventId.ShouldBe(messages[^1].MessageId.ToString());
        (gate.ConsentId, gate.ClinicId, gate.PatientId, gate.ProcedureCode, gate.OccurredAt).ShouldBe(("cns_gate", "demo", "P-1", "MSC", At));
        (gate.Allowed, gate.Reason, gate.ValidFrom, gate.ValidUntil, gate.Sequence).ShouldBe((true, "granted", Gate.ValidFrom, Gate.ValidUntil, 42L));
    }

    [Fact]
    public void The_contract_messages_carry_the_consent_and_the_event_fields()
    {
        var granted = Stored(Samples[nameof(ConsentGranted)]);
        var g = IntegrationEvents.From(granted, After, Gate)[0].Message.ShouldBeOfType<Contracts.ConsentGranted>();
        (g.EventId, g.ConsentId, g.ClinicId, g.PatientId, g.ProcedureCode, g.OccurredAt).ShouldBe((granted.Id.ToString(), After.Id, "demo", "P-1", "MSC", At));
        (g.WorkflowId, g.WorkflowVersion, g.ValidFrom, g.ValidUntil).ShouldBe(("stem-cell-ms", 1, At.AddHours(48), At.AddDays(90)));
        g.Choices["route"].ShouldBe("a");
        g.Provisions["photos"].ShouldBeTrue();

        IntegrationEvents.From(Stored(Samples[nameof(ConsentWithdrawn)]), After, Gate)[0].Message
            .ShouldBeOfType<Contracts.ConsentWithdrawn>().ReasonCode.ShouldBe("changed_mind");

        var reconsent = IntegrationEvents.From(Stored(Samples[nameof(ConsentSuperseded)]), After, Gate)[0].Message.ShouldBeOfType<Contracts.ReconsentRequired>();
        (reconsent.WorkflowId, reconsent.FromVersion, reconsent.ToVersion).ShouldBe(("stem-cell-ms", 1, 2));
        reconsent.ChangedSections.ShouldBe(["risks"]);
    }

    [Fact]
    public void Without_a_consent_id_in_the_gate_answer_the_gate_change_names_the_event_s_consent()
    {
        var messages = IntegrationEvents.From(Stored(Samples[nameof(ConsentStarted)]), After, GateAnswer.NoConsent);
        messages.ShouldHaveSingleItem().Message.ShouldBeOfType<Contracts.SchedulingGateChanged>().ConsentId.ShouldBe(After.Id);
    }

    [Fact]
    public void Events_that_do_not_change_the_gate_publish_nothing()
    {
        var quiet = Samples.Values.Where(e => !GateRules.ChangingTypes.Contains(e.GetType())).ToList();
        quiet.Count.ShouldBeGreaterThan(10);
        foreach (var e in quiet) IntegrationEvents.From(Stored(e), After, Gate).ShouldBeEmpty(e.GetType().Name);
    }

    [Fact]
    public void A_history_that_does_not_verify_publishes_only_a_closed_gate_under_the_gate_message_s_id()
    {
        var e = Stored(Samples[nameof(ConsentGranted)], sequence: 7);
        var only = IntegrationEvents.IntegrityFailure(e, After).ShouldHaveSingleItem();
        only.MessageId.ShouldBe(IntegrationEvents.GateMessageId(e.Id));
        var gate = only.Message.ShouldBeOfType<Contracts.SchedulingGateChanged>();
        (gate.Allowed, gate.Reason, gate.ConsentId, gate.ValidFrom, gate.ValidUntil, gate.Sequence)
            .ShouldBe((false, Contracts.GateReasons.IntegrityError, After.Id, (DateTimeOffset?)null, (DateTimeOffset?)null, 7L));
    }

    [Fact]
    public void Gate_message_ids_are_stable_distinct_from_their_event_s_and_from_each_other() =>
        Gen.Guid.HashSet[2, 50].Sample(eventIds =>
        {
            var gateIds = eventIds.Select(IntegrationEvents.GateMessageId).ToList();
            eventIds.Select(IntegrationEvents.GateMessageId).ShouldBe(gateIds, "the same event must map to the same id after a restart");
            gateIds.Distinct().Count().ShouldBe(eventIds.Count);
            gateIds.ShouldAllBe(id => !eventIds.Contains(id));
            gateIds.ShouldAllBe(id => id.Version == 5, "a name-based (SHA) UUID");
        });
}
