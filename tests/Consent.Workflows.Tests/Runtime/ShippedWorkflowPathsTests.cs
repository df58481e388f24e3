using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Runtime;

/// <summary>Every path of both shipped workflows, to every outcome.</summary>
public sealed class ShippedWorkflowPathsTests
{
    private static Dictionary<string, string> Route(string option) => new() { ["delivery-method"] = option };

    public static TheoryData<string> DeliveryMethods => new() { "iv", "lp", "both" };

    [Theory]
    [MemberData(nameof(DeliveryMethods))]
    public void Stem_cell_consent_is_granted_only_after_the_clinician_countersigns(string route)
    {
        var walk = new Walker(Shipped.StemCellMs).Complete(Route(route));

        walk.State.Status.ShouldBe(ConsentStatus.AwaitingCountersign);
        walk.State.GrantedAt.ShouldBeNull();

        walk.Now = Walker.T0.AddHours(1);
        walk.Send(new Countersign(Walker.Clinician, true)).Accepted.ShouldBeTrue();

        walk.State.Status.ShouldBe(ConsentStatus.Granted);
        walk.State.Countersigner.ShouldBe("Dr. Rivera");
        walk.State.ValidFrom.ShouldBe(walk.Now.AddHours(48));
        walk.State.ValidUntil.ShouldBe(walk.Now.AddDays(90));
        walk.State.Choices["delivery-method"].ShouldBe(route);
    }

    [Theory]
    [InlineData("iv", new[] { "risk-iv-needle", "risk-iv-vein", "risk-iv-reaction", "risk-iv-clots", "risk-iv-infection" }, new[] { "risk-lp-headache" })]
    [InlineData("lp", new[] { "risk-lp-headache", "risk-lp-back", "risk-lp-fever", "risk-lp-bleeding", "risk-lp-infection", "risk-lp-nerves", "risk-lp-growth" }, new[] { "risk-iv-clots" })]
    [InlineData("both", new[] { "risk-iv-clots", "risk-lp-headache", "risk-lp-growth" }, new string[0])]
    public void Each_delivery_method_shows_its_own_risks_one_by_one(string route, string[] shown, string[] notShown)
    {
        var walk = new Walker(Shipped.StemCellMs).Complete(Route(route));

        foreach (var risk in shown.Concat(["risk-collection", "risk-unknown", "risk-delay"])) walk.State.RiskInitials.ShouldContainKey(risk);
        foreach (var risk in notShown) walk.State.RiskInitials.ShouldNotContainKey(risk);
        walk.Events.OfType<RiskAcknowledged>().Select(r => r.StepId).ShouldBeUnique();
    }

    [Fact]
    public void Stem_cell_consent_asks_a_question_per_chosen_method_and_one_on_approval()
    {
        var walk = new Walker(Shipped.StemCellMs).Complete(Route("both"));
        walk.Events.OfType<QuizAnswered>().Select(q => q.StepId).ShouldBe(["quiz-not-approved", "quiz-iv", "quiz-lp"]);
    }

    [Fact]
    public void Saying_no_at_the_decision_declines_and_ends_the_consent()
    {
        var walk = new Walker(Shipped.StemCellMs).Complete(Route("lp"), consent: false);

        walk.State.Status.ShouldBe(ConsentStatus.Declined);
        walk.Events[^1].ShouldBeOfType<ConsentDeclined>();
        walk.Send(new Withdraw("patient_request")).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus);
    }

    [Fact]
    public void I_do_not_want_to_go_on_then_declining_records_a_decline_and_no_decision()
    {
        var walk = new Walker(Shipped.StemCellMs).Until("evidence");

        walk.Send(new StopGoingOn()).Accepted.ShouldBeTrue();
        walk.State.CurrentStepId.ShouldBe("evidence");
        walk.Send(new DeclineAfterStopping());

        walk.State.Status.ShouldBe(ConsentStatus.Declined);
        walk.Events.OfType<DecisionRecorded>().ShouldBeEmpty();
    }

    [Fact]
    public void A_patient_who_stops_and_goes_back_to_reading_continues_where_they_left_and_skips_nothing()
    {
        var walk = new Walker(Shipped.StemCellMs).Until("evidence");
        walk.Send(new StopGoingOn());

        walk.Send(new ContinueReading()).Accepted.ShouldBeTrue();

        walk.State.CurrentStepId.ShouldBe("evidence");
        walk.Complete(Route("iv"));
        walk.State.Status.ShouldBe(ConsentStatus.AwaitingCountersign);
        walk.State.RiskInitials.ShouldContainKey("risk-iv-clots");
        walk.Events.OfType<DecisionRecorded>().Single().Consented.ShouldBeTrue();
    }

    [Fact]
    public void Withdrawal_is_possible_before_the_decision_while_awaiting_countersign_and_after_grant()
    {
        var early = new Walker(Shipped.StemCellMs).Until("what-happens");
        early.Send(new Withdraw("changed_mind")).Accepted.ShouldBeTrue();
        early.State.Status.ShouldBe(ConsentStatus.Withdrawn);

        var waiting = new Walker(Shipped.StemCellMs).Complete(Route("iv"));
        waiting.Send(new Withdraw("patient_request")).Accepted.ShouldBeTrue();
        waiting.State.Status.ShouldBe(ConsentStatus.Withdrawn);

        var granted = new Walker(Shipped.StemCellMs).Complete(Route("iv"));
        granted.Send(new Countersign(Walker.Clinician, true));
        granted.Send(new Withdraw("clinical_reason")).Accepted.ShouldBeTrue();
        granted.State.Status.ShouldBe(ConsentStatus.Withdrawn);
        granted.State.WithdrawalReason.ShouldBe("clinical_reason");
    }

    [Fact]
    public void A_withdrawal_reason_must_be_a_code_never_free_text()
    {
        var walk = new Walker(Shipped.StemCellMs);
        var rejected = walk.Send(new Withdraw("I have cancer and changed my mind"));

        rejected.Rejection!.Code.ShouldBe(RejectionCode.InvalidInput);
        rejected.Rejection.Field.ShouldBe("reason");
    }

    [Fact]
    public void Wrong_quiz_answers_reopen_the_explanation_and_after_the_limit_the_consent_needs_discussion()
    {
        var walk = new Walker(Shipped.StemCellMs).Until("quiz-not-approved");

        walk.Submit(new QuizInput("approved"));
        walk.State.CurrentStepId.ShouldBe("not-approved");
        walk.AnswerCurrent();
        walk.State.CurrentStepId.ShouldBe("quiz-not-approved");

        walk.Submit(new QuizInput("works-for-most"));
        walk.AnswerCurrent();
        walk.Submit(new QuizInput("approved"));

        walk.State.Status.ShouldBe(ConsentStatus.NeedsDiscussion);
        walk.Events.OfType<QuizAttemptsExhausted>().Single().Attempts.ShouldBe(3);
        walk.Submit(new ExplainInput(true)).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus);

        walk.Send(new ResumeAfterDiscussion("Explained approval status in person")).Accepted.ShouldBeTrue();
        walk.State.Status.ShouldBe(ConsentStatus.InProgress);
        walk.State.CurrentStepId.ShouldBe("not-approved");
        walk.AnswerCurrent();
        walk.Submit(new QuizInput("approved"));
        walk.State.Status.ShouldBe(ConsentStatus.InProgress, "attempts start again after a discussion");
        walk.AnswerCurrent();
        walk.Complete(Route("iv"));
        walk.State.Status.ShouldBe(ConsentStatus.AwaitingCountersign);
    }

    [Fact]
    public void A_question_pauses_the_consent_until_staff_resume_it_at_the_same_step()
    {
        var walk = new Walker(Shipped.StemCellMs).Until("risk-collection", Route("lp"));

        walk.Send(new RaiseQuestion("How long is the headache?")).Accepted.ShouldBeTrue();
        walk.State.Status.ShouldBe(ConsentStatus.NeedsDiscussion);
        walk.Send(new RaiseQuestion("again")).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus);

        walk.Send(new ResumeAfterDiscussion("talked it through"));
        walk.State.CurrentStepId.ShouldBe("risk-collection");
        walk.Complete(Route("lp")).State.Status.ShouldBe(ConsentStatus.AwaitingCountersign);
    }

    [Fact]
    public void The_clock_ends_cooling_off_then_expires_a_granted_consent_after_90_days()
    {
        var walk = new Walker(Shipped.StemCellMs).Complete(Route("iv"));
        walk.Send(new Countersign(Walker.Clinician, true));

        walk.Now = Walker.T0.AddHours(47);
        walk.Send(new Tick()).Events.ShouldBeEmpty();
        walk.Now = Walker.T0.AddHours(49);
        walk.Send(new Tick()).Events.Single().ShouldBeOfType<CoolingOffEnded>();
        walk.Send(new Tick()).Events.ShouldBeEmpty("each timer fires once");

        walk.Now = Walker.T0.AddDays(90);
        walk.Send(new Tick()).Events.Single().ShouldBeOfType<ConsentExpired>();
        walk.State.Status.ShouldBe(ConsentStatus.Expired);
        walk.Send(new Reaffirm(true)).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus);
    }

    [Fact]
    public void An_unfinished_consent_left_idle_raises_one_reminder()
    {
        var walk = new Walker(Shipped.StemCellMs).Until("evidence");
        walk.Now = Walker.T0.AddMinutes(119);
        walk.Send(new Tick()).Events.ShouldBeEmpty();
        walk.Now = Walker.T0.AddHours(2);
        walk.Send(new Tick()).Events.Single().ShouldBeOfType<ReminderDue>();
        walk.Now = Walker.T0.AddHours(5);
        walk.Send(new Tick()).Events.ShouldBeEmpty();
    }

    [Fact]
    public void A_granted_consent_can_be_reaffirmed_and_superseded_by_a_newer_version()
    {
        var walk = new Walker(Shipped.StemCellMs).Complete(Route("iv"));
        walk.Send(new Reaffirm(true)).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus, "not granted yet");
        walk.Send(new Countersign(Walker.Clinician, true));

        walk.Now = Walker.T0.AddDays(3);
        walk.Send(new Reaffirm(true)).Accepted.ShouldBeTrue();
        walk.State.Reaffirmations.ShouldBe([walk.Now]);

        walk.Send(new Supersede(1, ["risk-lp-headache"])).Rejection!.Field.ShouldBe("toVersion");
        walk.Send(new Supersede(2, ["risk-lp-headache"])).Accepted.ShouldBeTrue();
        walk.State.Status.ShouldBe(ConsentStatus.Superseded);
    }

    [Fact]
    public void Lumbar_puncture_consent_is_granted_at_signing_with_no_cooling_off()
    {
        var walk = new Walker(Shipped.LumbarPuncture).Complete();

        walk.State.Status.ShouldBe(ConsentStatus.Granted);
        walk.State.ValidFrom.ShouldBe(walk.State.GrantedAt);
        walk.State.ValidUntil.ShouldBe(walk.State.GrantedAt!.Value.AddDays(30));
        walk.State.Provisions["provision-leftover-fluid"].ShouldBeTrue();
    }

    [Fact]
    public void Lumbar_puncture_consent_can_be_declined_and_withdrawn()
    {
        new Walker(Shipped.LumbarPuncture).Complete(consent: false).State.Status.ShouldBe(ConsentStatus.Declined);
        var granted = new Walker(Shipped.LumbarPuncture).Complete();
        granted.Send(new Withdraw("patient_request")).Accepted.ShouldBeTrue();
        granted.State.Status.ShouldBe(ConsentStatus.Withdrawn);
    }

    [Fact]
    public void The_signature_records_the_exact_statement_in_the_consents_language()
    {
        var walk = new Walker(Shipped.LumbarPuncture, locale: "es").Complete();

        var signed = walk.Events.OfType<ConsentSigned>().Single();
        signed.Statement.ShouldBe(Shipped.LumbarPuncture.FindStep("signature")!.Statement.ByLocale["es"]);
        signed.StatementSha256.Length.ShouldBe(64);
        signed.SignerRole.ShouldBe("patient");
    }

    [Fact]
    public void A_representative_may_sign_only_when_one_was_recorded_and_their_relationship_is_kept()
    {
        var without = new Walker(Shipped.LumbarPuncture).Until("signature");
        var rejected = without.Submit(new SignatureInput("John Doe", "representative", DrawnSignature.FromDataUrl(Walker.SignaturePng), true));
        rejected.Rejection!.Field.ShouldBe("signerRole");

        var with = new Walker(Shipped.LumbarPuncture, representative: new Representative("John Doe", "spouse")).Until("signature");
        with.Submit(new SignatureInput("John Doe", "representative", DrawnSignature.FromDataUrl(Walker.SignaturePng), true)).Accepted.ShouldBeTrue();
        with.Events.OfType<ConsentSigned>().Single().Relationship.ShouldBe("spouse");
    }

    [Fact]
    public void Progress_counts_the_steps_of_the_chosen_path()
    {
        var walk = new Walker(Shipped.StemCellMs);
        Navigation.Progress(walk.Definition, walk.State).Done.ShouldBe(0);
        walk.Complete(Route("iv"));
        var (done, total) = Navigation.Progress(walk.Definition, walk.State);
        done.ShouldBe(total);
        total.ShouldBe(Shipped.StemCellMs.Steps.Count(s => s.AppliesTo(Route("iv"))));
    }

    [Fact]
    public void Every_step_type_rejects_the_input_of_another_type_naming_what_it_expects()
    {
        var walk = new Walker(Shipped.StemCellMs);
        var rejected = walk.Submit(new QuizInput("x"));

        rejected.Rejection!.Code.ShouldBe(RejectionCode.InvalidInput);
        rejected.Rejection.Message.ShouldContain("acknowledged");
        walk.Events.Count.ShouldBe(1);
    }

    [Fact]
    public void A_step_that_is_not_current_is_rejected_with_the_current_step()
    {
        var walk = new Walker(Shipped.StemCellMs);
        var rejected = walk.Send(new SubmitStep("decision", new DecisionInput(true)));

        rejected.Rejection!.Code.ShouldBe(RejectionCode.StepNotCurrent);
        rejected.Rejection.CurrentStepId.ShouldBe("key-information");
        walk.Send(new SubmitStep("no-such-step", new ExplainInput(true))).Rejection!.Code.ShouldBe(RejectionCode.UnknownStep);
    }

    [Theory]
    [InlineData(null, "Jane", true, "signatureImage")]
    [InlineData("data:image/jpeg;base64,AAAA", "Jane", true, "signatureImage")]
    [InlineData("data:image/png;base64,not-base64!", "Jane", true, "signatureImage")]
    [InlineData("data:image/png;base64,AAAAAAAAAAAAAAAA", "Jane", true, "signatureImage")]
    [InlineData("ok", "", true, "signerName")]
    [InlineData("ok", "Jane", false, "intent")]
    public void A_signature_must_be_a_real_png_a_name_and_a_stated_intent(string? image, string name, bool intent, string field)
    {
        var walk = new Walker(Shipped.LumbarPuncture).Until("signature");
        var rejected = walk.Submit(new SignatureInput(name, "patient", DrawnSignature.FromDataUrl(image == "ok" ? Walker.SignaturePng : image), intent));

        rejected.Rejection!.Field.ShouldBe(field);
        walk.State.Status.ShouldBe(ConsentStatus.InProgress);
    }

    [Fact]
    public void A_signature_image_over_200_kb_is_rejected()
    {
        var big = new byte[ConsentRuntime.MaxSignatureBytes + 1];
        Convert.FromBase64String(Walker.SignaturePng["data:image/png;base64,".Length..]).CopyTo(big, 0);
        var walk = new Walker(Shipped.LumbarPuncture).Until("signature");

        walk.Submit(new SignatureInput("Jane", "patient", DrawnSignature.FromDataUrl("data:image/png;base64," + Convert.ToBase64String(big)), true)).Rejection!.Field.ShouldBe("signatureImage");
    }

    [Theory]
    [InlineData("")]
    [InlineData("J0")]
    [InlineData("TOOLONG")]
    public void Initials_are_one_to_five_letters(string initials)
    {
        var walk = new Walker(Shipped.LumbarPuncture).Until("risk-headache");
        walk.Submit(new RiskInput(true, initials)).Rejection!.Field.ShouldBe("initials");
        walk.Submit(new RiskInput(false, "JD")).Rejection!.Field.ShouldBe("acknowledged");
    }

    [Fact]
    public void Starting_in_a_locale_the_workflow_lacks_is_rejected()
    {
        ConsentRuntime.Start(Shipped.StemCellMs, new StartConsent("fr", null), Walker.T0).Rejection!.Field.ShouldBe("locale");
    }
}
