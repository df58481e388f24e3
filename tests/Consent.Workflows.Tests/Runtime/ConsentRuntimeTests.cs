using System.Collections.Immutable;
using System.Reflection;
using System.Text.Json;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Runtime;

/// <summary>Navigation, lifecycle and input rules, on workflows built in code.</summary>
public sealed class ConsentRuntimeTests
{
    private static readonly Dictionary<string, string> RouteA = new() { ["route"] = "a" };
    private static readonly Dictionary<string, string> RouteB = new() { ["route"] = "b" };

    private static List<string> Shown(Walker walk) => [.. walk.Events.OfType<SectionRead>().Select(e => e.StepId).Concat(walk.Events.OfType<RiskAcknowledged>().Select(e => e.StepId))];

    [Fact]
    public void A_choice_options_jump_skips_the_other_branch_and_a_steps_jump_skips_what_lies_between()
    {
        var a = new Walker(TestWorkflows.Branching).Complete(RouteA);
        var b = new Walker(TestWorkflows.Branching).Complete(RouteB);

        Shown(a).ShouldBe(["intro", "a-info", "a-risk"], ignoreOrder: true);
        Shown(b).ShouldBe(["intro", "b-info", "b-risk", "b-aftercare"], ignoreOrder: true);
        a.Events.OfType<RiskAcknowledged>().Single().NextStepId.ShouldBe("quiz");
    }

    [Fact]
    public void Progress_counts_only_the_steps_that_apply_to_the_choices_made_so_far()
    {
        var walk = new Walker(TestWorkflows.Branching);
        Navigation.Progress(walk.Definition, walk.State).ShouldBe((0, 9));

        walk.Until("b-info", RouteB);
        Navigation.Progress(walk.Definition, walk.State).ShouldBe((2, 10));

        walk.Complete(RouteB);
        Navigation.Progress(walk.Definition, walk.State).ShouldBe((10, 10));
    }

    [Fact]
    public void A_witness_signs_after_the_patient_and_only_then_is_the_consent_granted()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("signature", RouteA);
        walk.Submit(new SignatureInput("Jane Doe", "witness", DrawnSignature.FromDataUrl(Walker.SignaturePng), true)).Rejection!.Field.ShouldBe("signerRole");

        walk.AnswerCurrent();

        walk.State.Status.ShouldBe(ConsentStatus.InProgress);
        ConsentRuntime.WaitingFor(walk.Definition, walk.State).ShouldBe(new Bookmark(BookmarkKind.Step, "witness-signature", StepType.Signature));
        walk.Submit(new SignatureInput("Ann Interpreter", "patient", DrawnSignature.FromDataUrl(Walker.SignaturePng), true)).Rejection!.Field.ShouldBe("signerRole");
        walk.Submit(new SignatureInput("Ann Interpreter", "witness", DrawnSignature.FromDataUrl(Walker.SignaturePng), true)).Accepted.ShouldBeTrue();

        walk.State.Status.ShouldBe(ConsentStatus.Granted);
        walk.State.Signatures.Select(s => s.SignerRole).ShouldBe(["patient", "witness"]);
        walk.State.ValidFrom.ShouldBe(walk.Now.AddHours(24));
    }

    [Fact]
    public void Wrong_quiz_answer_reopens_the_explanation_then_asks_again()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("quiz", RouteA);

        var wrong = walk.Submit(new QuizInput("wrong"));

        wrong.Events.Select(e => e.GetType().Name).ShouldBe(["QuizAnswered", "ExplanationReopened"]);
        walk.State.CurrentStepId.ShouldBe("intro");
        walk.AnswerCurrent();
        walk.State.CurrentStepId.ShouldBe("quiz", "re-reading does not walk the steps between the explanation and the quiz again");
        walk.State.WrongAnswers["quiz"].ShouldBe(1);
        walk.Submit(new QuizInput("right")).Events.OfType<QuizAnswered>().Single().Attempt.ShouldBe(2);
        walk.State.CurrentStepId.ShouldBe("photos");
    }

    [Fact]
    public void A_quiz_without_an_explanation_is_asked_again_at_once_and_its_own_limit_overrides_the_default()
    {
        var walk = new Walker(TestWorkflows.Retry);

        walk.Submit(new QuizInput("unsure")).Events.Select(e => e.GetType().Name).ShouldBe(["QuizAnswered", "QuizAttemptsExhausted"]);

        walk.State.Status.ShouldBe(ConsentStatus.NeedsDiscussion);
        walk.State.CurrentStepId.ShouldBe("quiz");
        walk.Send(new ResumeAfterDiscussion("Talked it through")).Accepted.ShouldBeTrue();
        walk.Submit(new QuizInput("right")).Accepted.ShouldBeTrue();
    }

    [Fact]
    public void A_question_does_not_reset_quiz_attempts_only_the_discussion_after_exhaustion_does()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("quiz", RouteA);
        walk.Submit(new QuizInput("wrong"));
        walk.Send(new RaiseQuestion("Which section?"));
        walk.Send(new ResumeAfterDiscussion("Showed the first section"));

        walk.State.WrongAnswers["quiz"].ShouldBe(1);
        walk.AnswerCurrent();
        walk.Submit(new QuizInput("wrong"));
        walk.State.Status.ShouldBe(ConsentStatus.NeedsDiscussion, "the default limit of this workflow is two");
    }

    [Fact]
    public void A_question_while_awaiting_countersign_returns_there_after_the_discussion()
    {
        var walk = new Walker(TestWorkflows.Countersigned).Complete(RouteA);
        walk.Send(new RaiseQuestion("Can I still change my mind?")).Accepted.ShouldBeTrue();
        walk.Send(new Countersign(Walker.Clinician, true)).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus);

        walk.Send(new ResumeAfterDiscussion("Yes, at any time")).Accepted.ShouldBeTrue();

        walk.State.Status.ShouldBe(ConsentStatus.AwaitingCountersign);
        walk.Send(new Countersign(Walker.Clinician, true)).Accepted.ShouldBeTrue();
        walk.State.Status.ShouldBe(ConsentStatus.Granted);
    }

    [Fact]
    public void A_language_switch_is_recorded_and_the_statement_signed_is_the_one_in_the_language_shown()
    {
        var walk = new Walker(TestWorkflows.Countersigned).Until("signature", RouteA);
        walk.Send(new ChangeLocale("fr")).Rejection!.Field.ShouldBe("locale");
        walk.Send(new ChangeLocale(null)).Rejection!.Field.ShouldBe("locale");
        walk.Send(new ChangeLocale("en")).Events.ShouldBeEmpty("already shown in English");

        walk.Send(new ChangeLocale("es")).Events.ShouldBe([new LocaleChanged("en", "es", walk.Now)]);
        walk.State.CurrentStepId.ShouldBe("signature", "switching language moves nowhere");
        walk.AnswerCurrent();

        walk.Events.OfType<ConsentSigned>().Single().Statement.ShouldBe("Firmo signature.");
        walk.Send(new Countersign(Walker.Clinician, true));
        walk.Send(new ChangeLocale("en")).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus, "nothing is left to read once granted");
    }

    [Fact]
    public void Stopping_from_a_reopened_explanation_and_going_back_returns_to_it_and_then_to_the_quiz()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("quiz", RouteA);
        walk.Submit(new QuizInput("wrong"));
        var reopened = walk.State.CurrentStepId;

        walk.Send(new StopGoingOn()).Events.ShouldBe([new StopRequested(reopened!, walk.Now)]);
        walk.Send(new StopGoingOn()).Events.ShouldBeEmpty("a second tap while the neutral screen shows changes nothing");
        walk.Send(new ContinueReading()).Events.ShouldBe([new ReadingContinued(reopened!, walk.Now)]);

        walk.State.CurrentStepId.ShouldBe(reopened);
        walk.AnswerCurrent();
        walk.State.CurrentStepId.ShouldBe("quiz");
        walk.Complete(RouteA).State.Status.ShouldBe(ConsentStatus.Granted);
    }

    [Fact]
    public void I_do_not_want_to_go_on_shows_a_neutral_screen_where_nothing_is_decided_and_no_step_can_be_answered()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("route", RouteA);

        walk.Send(new StopGoingOn()).Accepted.ShouldBeTrue();

        ConsentRuntime.StoppedAt(walk.Definition, walk.State).ShouldBe("route");
        walk.State.CurrentStepId.ShouldBe("route", "the place is kept, not moved to the decision");
        walk.State.Consented.ShouldBeNull();
        walk.Submit(new ChoiceInput("a")).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus);
        walk.Send(new SubmitStep("decision", new DecisionInput(true))).Accepted.ShouldBeFalse();
        walk.Events.OfType<DecisionRecorded>().ShouldBeEmpty();
    }

    [Fact]
    public void Stopping_again_after_going_back_to_reading_shows_the_neutral_screen_again()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("route", RouteA);
        walk.Send(new StopGoingOn());
        walk.Send(new ContinueReading());
        walk.AnswerCurrent(RouteA);

        walk.Send(new StopGoingOn()).Events.OfType<StopRequested>().Single().FromStepId.ShouldBe(walk.State.CurrentStepId);
        ConsentRuntime.StoppedAt(walk.Definition, walk.State).ShouldNotBeNull();
    }

    [Fact]
    public void Declining_from_the_neutral_screen_records_a_decline_and_never_a_consent()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("route", RouteA);
        walk.Send(new DeclineAfterStopping()).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus, "only from the neutral screen");
        walk.Send(new StopGoingOn());

        walk.Send(new DeclineAfterStopping()).Events.ShouldBe([new ConsentDeclined(walk.Now)]);

        walk.State.Status.ShouldBe(ConsentStatus.Declined);
        walk.State.Consented.ShouldBeNull();
        walk.Events.OfType<DecisionRecorded>().ShouldBeEmpty();
    }

    [Fact]
    public void A_question_from_the_neutral_screen_pauses_and_after_the_discussion_the_patient_reads_on_where_they_stopped()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("route", RouteA);
        walk.Send(new StopGoingOn());

        walk.Send(new RaiseQuestion("")).Accepted.ShouldBeTrue();
        walk.State.Status.ShouldBe(ConsentStatus.NeedsDiscussion);
        walk.Send(new ResumeAfterDiscussion("Explained the options again")).Accepted.ShouldBeTrue();

        ConsentRuntime.StoppedAt(walk.Definition, walk.State).ShouldBeNull();
        walk.State.CurrentStepId.ShouldBe("route");
    }

    [Fact]
    public void A_consent_stored_when_stopping_took_the_patient_to_the_decision_cannot_record_an_early_yes_and_can_go_back()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("route", RouteA);
        // As stored by earlier versions: the patient was taken to the decision from "route".
        var legacy = ConsentRuntime.Replay([.. walk.Events, new DecisionRequested("route", "decision", walk.Now)]);
        legacy.CurrentStepId.ShouldBe("decision");

        ConsentRuntime.StoppedAt(walk.Definition, legacy).ShouldBe("route");
        ConsentRuntime.Decide(walk.Definition, legacy, new SubmitStep("decision", new DecisionInput(true)), walk.Now).Accepted.ShouldBeFalse();
        var back = ConsentRuntime.Decide(walk.Definition, legacy, new ContinueReading(), walk.Now);
        back.Events.ShouldBe([new ReadingContinued("route", walk.Now)]);
        var after = back.Events.Aggregate(legacy, ConsentRuntime.Evolve);
        after.CurrentStepId.ShouldBe("route");
        after.ReturnToStepId.ShouldBeNull();
        ConsentRuntime.StoppedAt(walk.Definition, after).ShouldBeNull();
    }

    [Fact]
    public void The_patient_can_stop_at_the_decision_step_itself_and_decline_there()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("decision", RouteA);
        walk.Send(new StopGoingOn()).Events.OfType<StopRequested>().Single().FromStepId.ShouldBe("decision");
        walk.Send(new DeclineAfterStopping()).Accepted.ShouldBeTrue();
        walk.Events.OfType<DecisionRecorded>().ShouldBeEmpty();
    }

    [Fact]
    public void Nothing_can_be_stopped_once_signed()
    {
        var walk = new Walker(TestWorkflows.Countersigned).Complete(RouteA);
        walk.Send(new StopGoingOn()).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus);
    }

    [Fact]
    public void The_bookmark_follows_the_consent_from_step_to_countersign_and_clears_at_grant()
    {
        var d = TestWorkflows.Countersigned;
        var walk = new Walker(d);
        walk.State.Status.ShouldBe(ConsentStatus.Pending);
        ConsentRuntime.WaitingFor(d, walk.State).ShouldBe(new Bookmark(BookmarkKind.Step, "intro", StepType.Explain));
        ConsentRuntime.CurrentStep(d, walk.State)!.Id.ShouldBe("intro");

        walk.Complete(RouteB);
        ConsentRuntime.WaitingFor(d, walk.State)!.Kind.ShouldBe(BookmarkKind.Countersign);
        ConsentRuntime.CurrentStep(d, walk.State).ShouldBeNull();

        walk.Send(new Countersign(Walker.Clinician, true));
        ConsentRuntime.WaitingFor(d, walk.State).ShouldBeNull();
    }

    [Theory]
    [InlineData(false, "Dr. Jane Smith", true, "name")]
    [InlineData(false, " Dr. Rivera ", false, "attestation")]
    [InlineData(false, null, null, "attestation")]
    [InlineData(true, null, true, "signer")]
    public void A_countersignature_is_in_the_signed_in_accounts_name_and_needs_the_attestation(bool anonymous, string? name, bool? attestation, string field)
    {
        var walk = new Walker(TestWorkflows.Countersigned);
        walk.Send(new Countersign(Walker.Clinician, true)).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus);
        walk.Complete(RouteA);

        var rejected = walk.Send(new Countersign(anonymous ? null : Walker.Clinician, attestation, name)).Rejection!;

        rejected.Code.ShouldBe(RejectionCode.InvalidInput);
        rejected.Field.ShouldBe(field);
    }

    [Fact]
    public void A_countersignature_records_who_signed_the_meaning_and_how_they_authenticated_before_the_grant()
    {
        var walk = new Walker(TestWorkflows.Countersigned).Complete(RouteA);
        var signer = new StaffSigner("jsmith", "Dr. Jane Smith", StaffSigner.TokenAuthTime, walk.Now.AddMinutes(-2));

        var events = walk.Send(new Countersign(signer, true, "Dr. Jane Smith", "I reviewed the risks with the patient")).Events;

        events[0].ShouldBe(new StaffSigned(StaffSigned.Countersign, "jsmith", "Dr. Jane Smith", "I reviewed the risks with the patient", StaffSigner.TokenAuthTime, walk.Now.AddMinutes(-2), walk.Now));
        events[1].ShouldBe(new ConsentCountersigned("Dr. Jane Smith", walk.Now));
        events[2].ShouldBeOfType<ConsentGranted>();
        walk.State.StaffSignatures.Single().Meaning.ShouldBe("I reviewed the risks with the patient");
    }

    [Fact]
    public void A_staff_withdrawal_is_signed_with_its_meaning_and_the_patients_own_is_not()
    {
        var staff = new Walker(TestWorkflows.Countersigned).Complete(RouteA);
        var events = staff.Send(new Withdraw("clinical_reason", Walker.Clinician)).Events;
        events.Select(e => e.GetType().Name).ShouldBe(["StaffSigned", "ConsentWithdrawn"]);
        ((StaffSigned)events[0]).Meaning.ShouldBe(StaffSignatureMeanings.Withdraw);
        ((StaffSigned)events[0]).Act.ShouldBe(StaffSigned.Withdraw);

        var patient = new Walker(TestWorkflows.Countersigned).Complete(RouteA);
        patient.Send(new Withdraw("changed_mind")).Events.Select(e => e.GetType().Name).ShouldBe(["ConsentWithdrawn"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    public void Resuming_after_a_question_needs_a_note_of_the_discussion(string? note)
    {
        var walk = new Walker(TestWorkflows.Branching);
        walk.Send(new RaiseQuestion("What is this?"));

        walk.Send(new ResumeAfterDiscussion(note)).Rejection!.Field.ShouldBe("note");
        walk.State.Status.ShouldBe(ConsentStatus.NeedsDiscussion);
        walk.Send(new ResumeAfterDiscussion("Explained the study")).Accepted.ShouldBeTrue();
    }

    [Fact]
    public void Reaffirmation_is_taken_only_when_granted_and_only_where_the_workflow_asks_for_it()
    {
        var asks = new Walker(TestWorkflows.Countersigned).Complete(RouteA);
        asks.Send(new Countersign(Walker.Clinician, true));
        asks.Send(new Reaffirm(false)).Rejection!.Field.ShouldBe("confirmed");
        asks.Now = asks.Now.AddDays(2);
        asks.Send(new Reaffirm(true)).Events.Select(e => e.GetType().Name).ShouldBe(["ConsentReaffirmed"], "on the patient's tablet, unsigned");
        asks.Send(new Reaffirm(true, Walker.Clinician)).Events.OfType<StaffSigned>().Single().Act.ShouldBe(StaffSigned.Reaffirm, "recorded by a clinician, signed");
        asks.State.Reaffirmations.ShouldBe([asks.Now, asks.Now]);

        var doesNot = new Walker(TestWorkflows.Branching).Complete(RouteA);
        doesNot.Send(new Reaffirm(true)).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus);
    }

    [Fact]
    public void Only_a_granted_consent_can_be_superseded_and_only_by_a_newer_version()
    {
        var walk = new Walker(TestWorkflows.Branching);
        walk.Send(new Supersede(2, [])).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus);
        walk.Complete(RouteA);
        walk.Send(new Supersede(1, [])).Rejection!.Field.ShouldBe("toVersion");
        var superseded = walk.Send(new Supersede(2, ["a-risk"])).Events.Single().ShouldBeOfType<ConsentSuperseded>();
        (superseded.ToVersion, superseded.ChangedSections.Single()).ShouldBe((2, "a-risk"));
        walk.State.Status.ShouldBe(ConsentStatus.Superseded);
    }

    [Fact]
    public void Timers_fire_once_each_at_the_instant_NextTimer_names()
    {
        var d = TestWorkflows.Branching;
        var walk = new Walker(d).Until("quiz", RouteA);
        var reminder = ConsentRuntime.NextTimer(d.Settings, walk.State)!.Value;
        reminder.ShouldBe(walk.State.LastActivityAt + TimeSpan.FromHours(1));

        walk.Now = reminder.AddTicks(-1);
        walk.Send(new Tick()).Events.ShouldBeEmpty();
        walk.Now = reminder;
        walk.Send(new Tick()).Events.Single().ShouldBeOfType<ReminderDue>();
        ConsentRuntime.NextTimer(d.Settings, walk.State).ShouldBeNull("one reminder per idle spell");

        walk.Complete(RouteA);
        ConsentRuntime.NextTimer(d.Settings, walk.State).ShouldBe(walk.State.ValidFrom);
        walk.Now = walk.State.ValidFrom!.Value;
        walk.Send(new Tick()).Events.Single().ShouldBeOfType<CoolingOffEnded>();
        ConsentRuntime.NextTimer(d.Settings, walk.State).ShouldBe(walk.State.ValidUntil);
        walk.Now = walk.State.ValidUntil!.Value;
        walk.Send(new Tick()).Events.Single().ShouldBeOfType<ConsentExpired>();
        ConsentRuntime.NextTimer(d.Settings, walk.State).ShouldBeNull();
    }

    [Fact]
    public void Activity_after_a_reminder_clears_it_and_a_new_idle_spell_raises_another()
    {
        var walk = new Walker(TestWorkflows.Branching) { Now = Walker.T0.AddHours(1) };
        walk.Send(new Tick()).Events.Single().ShouldBeOfType<ReminderDue>();

        walk.AnswerCurrent();
        walk.State.ReminderSent.ShouldBeFalse();
        walk.Send(new Tick()).Events.ShouldBeEmpty();

        walk.Now = walk.Now.AddHours(1);
        walk.Send(new Tick()).Events.Single().ShouldBeOfType<ReminderDue>();
    }

    [Fact]
    public void A_consent_waiting_for_a_discussion_or_a_countersignature_is_also_reminded_but_never_without_a_reminder_time()
    {
        var discussion = new Walker(TestWorkflows.Countersigned);
        discussion.Send(new RaiseQuestion(null));
        discussion.Now = discussion.Now.AddHours(1);
        discussion.Send(new Tick()).Events.Single().ShouldBeOfType<ReminderDue>();

        var countersign = new Walker(TestWorkflows.Countersigned).Complete(RouteA);
        countersign.Now = countersign.Now.AddHours(1);
        countersign.Send(new Tick()).Events.Single().ShouldBeOfType<ReminderDue>();

        var never = TestWorkflows.Workflow("never", 1, TestWorkflows.Settings with { ReminderAfter = TimeSpan.Zero }, [.. TestWorkflows.Retry.Steps]);
        var idle = new Walker(never) { Now = Walker.T0.AddDays(7) };
        idle.Send(new Tick()).Events.ShouldBeEmpty();
    }

    [Fact]
    public void A_consent_refuses_any_definition_but_the_version_it_started_on()
    {
        var walk = new Walker(TestWorkflows.Branching);
        var d = TestWorkflows.Branching;
        WorkflowDefinition[] others =
        [
            d with { Version = 2 },
            d with { Id = "other" },
            d with { ContentHash = "sha256:edited" },
            TestWorkflows.Workflow("branching", 1, d.Settings with { Validity = TimeSpan.FromDays(365) }, [.. d.Steps]),
        ];

        foreach (var other in others)
        {
            var rejected = ConsentRuntime.Decide(other, walk.State, new SubmitStep("intro", new ExplainInput(true)), walk.Now).Rejection!;
            rejected.Code.ShouldBe(RejectionCode.WrongDefinition);
            rejected.Field.ShouldBe("workflow");
            rejected.Message.ShouldContain("branching v1");
        }
        walk.Submit(new ExplainInput(true)).Accepted.ShouldBeTrue();
    }

    [Fact]
    public void Nothing_is_decided_for_a_consent_that_was_never_started()
    {
        ConsentRuntime.Decide(TestWorkflows.Retry, ConsentState.None, new Tick(), Walker.T0).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus);
    }

    [Theory]
    [InlineData("", "spouse")]
    [InlineData("John Doe", " ")]
    public void A_representative_needs_a_name_and_a_relationship(string name, string relationship)
    {
        ConsentRuntime.Start(TestWorkflows.Retry, new StartConsent("en", new Representative(name, relationship)), Walker.T0).Rejection!.Field.ShouldBe("representative");
    }

    [Fact]
    public void The_started_event_pins_workflow_version_content_hash_and_locale()
    {
        var started = ConsentRuntime.Start(TestWorkflows.Branching, new StartConsent("es", null), Walker.T0).Events.Single().ShouldBeOfType<ConsentStarted>();

        started.ShouldBe(new ConsentStarted("branching", 1, TestWorkflows.Branching.ContentHash, "es", null, "intro", Walker.T0,
            OptionOrder.SeedFrom(TestWorkflows.Branching.ContentHash, Walker.T0)));
    }

    [Fact]
    public void Initials_in_any_alphabet_are_kept_in_capitals()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("a-risk", RouteA);
        walk.Submit(new RiskInput(true, " ñm ")).Accepted.ShouldBeTrue();
        walk.State.RiskInitials["a-risk"].ShouldBe("ÑM");
    }

    [Fact]
    public void A_choice_or_provision_without_an_answer_names_the_missing_field()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("route");
        walk.Submit(new ChoiceInput("c")).Rejection!.Field.ShouldBe("option");
        walk.Until("photos", RouteA);
        walk.Submit(new ProvisionInput(null)).Rejection!.Field.ShouldBe("accept");
        walk.Submit(new ProvisionInput(false)).Accepted.ShouldBeTrue();
        walk.State.Provisions["photos"].ShouldBeFalse();
    }

    [Fact]
    public void Events_are_plain_values_that_survive_a_json_round_trip_and_replay_to_the_same_state()
    {
        var walk = new Walker(TestWorkflows.Countersigned, representative: new Representative("John Doe", "spouse")).Until("quiz", RouteB);
        walk.Submit(new QuizInput("wrong"));
        walk.Send(new StopGoingOn());
        walk.Send(new ContinueReading());
        walk.Send(new StopGoingOn());
        walk.Send(new RaiseQuestion("?"));
        walk.Send(new ResumeAfterDiscussion("ok"));
        walk.Complete(RouteB);
        walk.Send(new Countersign(Walker.Clinician, true));
        walk.Send(new Reaffirm(true));
        walk.Send(new Supersede(2, ["quiz"]));

        var stored = walk.Events.Select(e => (e.GetType(), Json: JsonSerializer.Serialize(e, e.GetType()))).ToList();
        var loaded = stored.Select(s => (ConsentEvent)JsonSerializer.Deserialize(s.Json, s.Item1)!).ToList();

        loaded.Select(e => JsonSerializer.Serialize(e, e.GetType())).ShouldBe(stored.Select(s => s.Json));
        JsonSerializer.Serialize(ConsentRuntime.Replay(loaded)).ShouldBe(JsonSerializer.Serialize(walk.State));
    }

    [Fact]
    public void Every_event_holds_only_primitive_values_and_never_a_definition_type()
    {
        var allowed = new HashSet<Type> { typeof(string), typeof(int), typeof(bool), typeof(DateTimeOffset), typeof(Representative), typeof(IReadOnlyList<string>) };
        var events = typeof(ConsentEvent).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(ConsentEvent))).ToList();

        events.Count.ShouldBeGreaterThan(20);
        foreach (var property in events.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)).Where(p => p.Name != "EqualityContract"))
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            allowed.ShouldContain(type, $"{property.DeclaringType!.Name}.{property.Name} is a {type.Name}");
            property.SetMethod?.ReturnParameter.GetRequiredCustomModifiers().ShouldContain(typeof(System.Runtime.CompilerServices.IsExternalInit));
        }
    }

    [Fact]
    public void A_signed_statement_is_the_text_in_the_consents_locale_and_names_the_representatives_relationship()
    {
        var walk = new Walker(TestWorkflows.Countersigned, locale: "es", representative: new Representative("John Doe", "spouse")).Until("signature", RouteA);

        walk.Submit(new SignatureInput("John Doe", "representative", DrawnSignature.FromDataUrl(Walker.SignaturePng), true)).Accepted.ShouldBeTrue();

        var signed = walk.Events.OfType<ConsentSigned>().Single();
        signed.Statement.ShouldBe("Firmo signature.");
        signed.Relationship.ShouldBe("spouse");
        signed.SignatureBytes.ShouldBe(Convert.FromBase64String(Walker.SignaturePng["data:image/png;base64,".Length..]).Length);
        ImmutableArray.Create(signed.SignatureSha256, signed.StatementSha256).ShouldAllBe(h => h.Length == 64);
    }
}
