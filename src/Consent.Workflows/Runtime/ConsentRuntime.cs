using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Consent.Workflows.Definitions;

namespace Consent.Workflows.Runtime;

/// <summary>
/// The consent workflow engine: given a definition, an instance's state, a command and the time, it returns the
/// events to append or a precise rejection. No I/O and no clock of its own, so every path is testable as data.
/// </summary>
public static partial class ConsentRuntime
{
    /// <summary>Signature images are at most 200 KB (the OpenAPI document at /openapi/v1.json, StepInput's SignatureInput).</summary>
    public const int MaxSignatureBytes = 200 * 1024;
    private const int MaxTextLength = 2000;
    private const int MaxNameLength = 200;

    public static Decision Start(WorkflowDefinition definition, StartConsent command, DateTimeOffset now)
    {
        if (!definition.Locales.Contains(command.Locale))
        {
            return Decision.Reject(RejectionCode.InvalidInput, "locale", $"'{command.Locale}' is not a locale of this workflow ({string.Join(", ", definition.Locales)}).");
        }
        if (command.Representative is { } rep && (Blank(rep.Name, MaxNameLength) || Blank(rep.Relationship, MaxNameLength)))
        {
            return Decision.Reject(RejectionCode.InvalidInput, "representative", $"A representative needs a name and a relationship (each at most {MaxNameLength} characters).");
        }
        // A definition reaches the runtime with the clinic's values filled in; a placeholder left means the clinic's
        // profile lacks a value the patient would read (and sign), so the consent cannot start.
        if (Clinics.Placeholders.UsedBy(definition) is { Count: > 0 } unfilled)
        {
            return Decision.Reject(RejectionCode.InvalidInput, "clinic",
                $"This clinic's profile has no value for {string.Join(", ", unfilled.Order(StringComparer.Ordinal).Select(k => $"{{clinic.{k}}}"))}, which this workflow shows to the patient.");
        }
        var first = Navigation.FirstStep(definition);
        var seed = command.OptionSeed ?? OptionOrder.SeedFrom(definition.ContentHash, now);
        return Decision.Accept(new ConsentStarted(definition.Id, definition.Version, definition.ContentHash, command.Locale, command.Representative, first, now, seed));
    }

    public static Decision Decide(WorkflowDefinition definition, ConsentState state, ConsentCommand command, DateTimeOffset now)
    {
        if (!state.Started)
        {
            return Decision.Reject(RejectionCode.NotAllowedInStatus, "consent", "The consent has not been started.");
        }
        if (definition.Id != state.WorkflowId || definition.Version != state.WorkflowVersion || definition.ContentHash != state.ContentHash)
        {
            return Decision.Reject(RejectionCode.WrongDefinition, "workflow",
                $"This consent is pinned to {state.WorkflowId} v{state.WorkflowVersion} ({state.ContentHash}), not {definition.Id} v{definition.Version}.");
        }
        return command switch
        {
            SubmitStep submit => SubmitStep(definition, state, submit, now),
            RaiseQuestion q => RaiseQuestion(state, q, now),
            ResumeAfterDiscussion r => Resume(state, r, now),
            StopGoingOn => Stop(definition, state, now),
            Runtime.ContinueReading => Continue(definition, state, now),
            Runtime.DeclineAfterStopping => DeclineStopped(definition, state, now),
            ChangeLocale l => SwitchLocale(definition, state, l, now),
            Countersign c => Countersign(definition, state, c, now),
            Reaffirm r => Reaffirm(definition, state, r, now),
            Withdraw w => Withdraw(state, w, now),
            Tick => ClockTick(definition, state, now),
            Supersede s => Supersede(state, s, now),
            _ => Decision.Reject(RejectionCode.InvalidInput, "command", $"Unknown command {command.GetType().Name}."),
        };
    }

    private static Decision SubmitStep(WorkflowDefinition definition, ConsentState state, SubmitStep submit, DateTimeOffset now)
    {
        if (state.Status is not (ConsentStatus.Pending or ConsentStatus.InProgress))
        {
            return NotNow(state, "steps can be answered only while the consent is pending or in progress");
        }
        if (StoppedAt(definition, state) is not null)
        {
            return NotNow(state, "the patient chose not to go on; go back to reading or decline first");
        }
        if (definition.FindStep(submit.StepId) is not { } step)
        {
            return Decision.Reject(RejectionCode.UnknownStep, "stepId", $"The workflow has no step '{submit.StepId}'.", state.CurrentStepId);
        }
        if (step.Id != state.CurrentStepId)
        {
            return Decision.Reject(RejectionCode.StepNotCurrent, "stepId", $"Step '{step.Id}' is not the current step.", state.CurrentStepId);
        }
        return (step.Type, submit.Input) switch
        {
            (StepType.Explain, ExplainInput i) => i.Acknowledged == true
                ? Decision.Accept(new SectionRead(step.Id, state.ReturnToStepId ?? Navigation.After(definition, state, step, null), now))
                : Invalid("acknowledged", "Confirm that you have read this section (acknowledged: true)."),
            (StepType.Risk, RiskInput i) => RiskStep(definition, state, step, i, now),
            (StepType.Quiz, QuizInput i) => QuizStep(definition, state, step, i, now),
            (StepType.Choice, ChoiceInput i) => ChoiceStep(definition, state, step, i, now),
            (StepType.Provision, ProvisionInput i) => i.Accept is { } accept
                ? Decision.Accept(new ProvisionAnswered(step.Id, accept, Navigation.After(definition, state, step, null), now))
                : Invalid("accept", "Answer yes or no (accept: true or false)."),
            (StepType.Decision, DecisionInput i) => DecisionStep(definition, state, step, i, now),
            (StepType.Signature, SignatureInput i) => SignatureStep(definition, state, step, i, now),
            _ => Invalid("body", $"Step '{step.Id}' is a {step.Type.ToString().ToLowerInvariant()} step: {ExpectedInput(step.Type)}."),
        };
    }

    /// <summary>What a step of this type expects, in the contract's words.</summary>
    public static string ExpectedInput(StepType type) => type switch
    {
        StepType.Explain => "send {acknowledged: true}",
        StepType.Risk => "send {acknowledged: true, initials}",
        StepType.Quiz => "send {answer: optionId}",
        StepType.Choice => "send {option: optionId}",
        StepType.Provision => "send {accept: true or false}",
        StepType.Decision => "send {consent: true or false}",
        StepType.Signature => "send {signerName, signerRole, signatureImage, intent: true}",
        _ => "unknown",
    };

    private static Decision RiskStep(WorkflowDefinition definition, ConsentState state, StepDefinition step, RiskInput input, DateTimeOffset now)
    {
        if (input.Acknowledged != true) return Invalid("acknowledged", "Acknowledge this risk on its own (acknowledged: true).");
        var initials = input.Initials?.Trim() ?? "";
        if (!InitialsPattern().IsMatch(initials)) return Invalid("initials", "Initials are 1 to 5 letters, e.g. JD.");
        return Decision.Accept(new RiskAcknowledged(step.Id, initials.ToUpper(CultureInfo.InvariantCulture), Navigation.After(definition, state, step, null), now));
    }

    private static Decision QuizStep(WorkflowDefinition definition, ConsentState state, StepDefinition step, QuizInput input, DateTimeOffset now)
    {
        if (input.Answer is null || step.Options.All(o => o.Id != input.Answer))
        {
            return Invalid("answer", $"Choose one of: {string.Join(", ", step.Options.Select(o => o.Id))}.");
        }
        var attempt = state.WrongAnswers.GetValueOrDefault(step.Id) + 1;
        if (input.Answer == step.CorrectOption)
        {
            return Decision.Accept(new QuizAnswered(step.Id, input.Answer, true, attempt, Navigation.After(definition, state, step, null), now));
        }
        // A wrong answer always re-opens the explanation; at the limit a person must also talk with the patient.
        ConsentEvent[] events =
        [
            new QuizAnswered(step.Id, input.Answer, false, attempt, null, now),
            .. step.Explanation is { } explanation ? [new ExplanationReopened(explanation, step.Id, now)] : Array.Empty<ConsentEvent>(),
            .. attempt >= step.AttemptLimit(definition.Settings) ? [new QuizAttemptsExhausted(step.Id, attempt, now)] : Array.Empty<ConsentEvent>(),
        ];
        return Decision.Accept(events);
    }

    private static Decision ChoiceStep(WorkflowDefinition definition, ConsentState state, StepDefinition step, ChoiceInput input, DateTimeOffset now)
    {
        if (step.Options.FirstOrDefault(o => o.Id == input.Option) is not { } option)
        {
            return Invalid("option", $"Choose one of: {string.Join(", ", step.Options.Select(o => o.Id))}.");
        }
        var chosen = state with { Choices = state.Choices.SetItem(step.Id, option.Id) };
        return Decision.Accept(new ChoiceMade(step.Id, option.Id, Navigation.After(definition, chosen, step, option), now));
    }

    private static Decision DecisionStep(WorkflowDefinition definition, ConsentState state, StepDefinition step, DecisionInput input, DateTimeOffset now)
    {
        if (input.Consent is not { } consent) return Invalid("consent", "Answer yes or no (consent: true or false).");
        if (!consent)
        {
            return Decision.Accept(new DecisionRecorded(step.Id, false, null, now), new ConsentDeclined(now));
        }
        // A patient sent to the decision early who now agrees goes back to where they left: nothing is skipped.
        var next = state.ReturnToStepId ?? Navigation.After(definition, state, step, null);
        return Finish(definition, state with { Consented = true, Completed = state.Completed.Add(step.Id) }, new DecisionRecorded(step.Id, true, next, now), now);
    }

    private static Decision SignatureStep(WorkflowDefinition definition, ConsentState state, StepDefinition step, SignatureInput input, DateTimeOffset now)
    {
        var name = input.SignerName?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength) return Invalid("signerName", $"Type the signer's full name (at most {MaxNameLength} characters).");
        var role = input.SignerRole switch
        {
            "patient" => SignerRole.Patient,
            "representative" => SignerRole.Representative,
            "witness" => SignerRole.Witness,
            _ => (SignerRole?)null,
        };
        if (role is null || !step.SignerRoles.Contains(role.Value))
        {
            return Invalid("signerRole", $"This step is signed by: {string.Join(" or ", step.SignerRoles.Select(r => r.ToString().ToLowerInvariant()))}.");
        }
        if (role == SignerRole.Representative && state.Representative is null)
        {
            return Invalid("signerRole", "No legally authorized representative is recorded for this consent; a coordinator must record one first.");
        }
        if (input.Intent != true) return Invalid("intent", "Confirm that you mean to sign (intent: true).");
        if (input.Image?.Png is not { } image)
        {
            return Invalid("signatureImage", $"The signature must be a PNG image as a data URL (data:image/png;base64,...) of at most {MaxSignatureBytes / 1024} KB.");
        }
        var statement = step.Statement.For(state.Locale, definition.DefaultLocale);
        var signed = new ConsentSigned(
            step.Id, input.SignerRole!, name, role == SignerRole.Representative ? state.Representative!.Relationship : null,
            statement, Sha256(Encoding.UTF8.GetBytes(statement)), Sha256(image), image.Length,
            Navigation.After(definition, state, step, null), now);
        return Finish(definition, state with { Completed = state.Completed.Add(step.Id) }, signed, now);
    }

    /// <summary>
    /// After a step that may be the last: when no step is left, grant or ask for a countersignature, but only when
    /// every step that applies to this patient's choices is complete; otherwise send the patient to the first one left.
    /// </summary>
    private static Decision Finish(WorkflowDefinition definition, ConsentState state, ConsentEvent stepEvent, DateTimeOffset now)
    {
        var next = stepEvent switch { DecisionRecorded d => d.NextStepId, ConsentSigned s => s.NextStepId, _ => null };
        if (next is not null) return Decision.Accept(stepEvent);
        var missing = Navigation.FirstIncomplete(definition, state);
        if (missing is not null)
        {
            return Decision.Accept(stepEvent switch
            {
                DecisionRecorded d => d with { NextStepId = missing },
                ConsentSigned s => s with { NextStepId = missing },
                _ => stepEvent,
            });
        }
        return definition.Settings.CountersignRequired
            ? Decision.Accept(stepEvent, new CountersignRequested(now))
            : Decision.Accept(stepEvent, Grant(definition, now));
    }

    private static ConsentGranted Grant(WorkflowDefinition definition, DateTimeOffset now) =>
        new(now + definition.Settings.CoolingOff, now + definition.Settings.Validity, now);

    private static Decision RaiseQuestion(ConsentState state, RaiseQuestion q, DateTimeOffset now)
    {
        if (state.Status is not (ConsentStatus.Pending or ConsentStatus.InProgress or ConsentStatus.AwaitingCountersign))
        {
            return NotNow(state, state.Status == ConsentStatus.NeedsDiscussion ? "someone is already coming to talk with you" : "a question can be raised only before the consent is complete");
        }
        var text = q.Text?.Trim() ?? "";
        return text.Length > MaxTextLength
            ? Invalid("text", $"A question is at most {MaxTextLength} characters.")
            : Decision.Accept(new QuestionRaised(text, state.CurrentStepId, now));
    }

    private static Decision Resume(ConsentState state, ResumeAfterDiscussion r, DateTimeOffset now)
    {
        if (state.Status != ConsentStatus.NeedsDiscussion) return NotNow(state, "only a consent that needs discussion can be resumed");
        var note = r.Note?.Trim() ?? "";
        // The record must say what was discussed: a resumption without it leaves the pause unexplained.
        if (note.Length == 0) return Invalid("note", "Write a short note of what was discussed with the patient.");
        return note.Length > MaxTextLength
            ? Invalid("note", $"A note is at most {MaxTextLength} characters.")
            : Decision.Accept(new DiscussionResumed(note, now));
    }

    private static Decision SwitchLocale(WorkflowDefinition definition, ConsentState state, ChangeLocale change, DateTimeOffset now)
    {
        if (state.Status.IsFinal() || state.Status == ConsentStatus.Granted) return NotNow(state, "the language can be changed only before the consent is complete");
        if (change.Locale is not { } locale || !definition.Locales.Contains(locale))
        {
            return Invalid("locale", $"Choose one of this workflow's languages: {string.Join(", ", definition.Locales)}.");
        }
        return locale == state.Locale ? Decision.Accept() : Decision.Accept(new LocaleChanged(state.Locale, locale, now));
    }

    private static Decision Countersign(WorkflowDefinition definition, ConsentState state, Countersign c, DateTimeOffset now)
    {
        if (state.Status != ConsentStatus.AwaitingCountersign) return NotNow(state, "only a consent awaiting countersignature can be countersigned");
        if (Signature(StaffSigned.Countersign, c.Signer, c.Meaning, StaffSignatureMeanings.Countersign, now) is not { } signed) return Unsigned(c.Signer);
        // The name is the signed-in account's, never typed: a name sent that is not it is a mistake or a forgery.
        if (c.Name is { } sent && !string.Equals(sent.Trim(), c.Signer!.Name, StringComparison.Ordinal))
        {
            return Invalid("name", $"The countersignature is in the signed-in account's name ({c.Signer.Name}); leave name out or send exactly that.");
        }
        if (c.Attestation != true) return Invalid("attestation", "Attest that you discussed the consent with the patient (attestation: true).");
        return Decision.Accept(signed, new ConsentCountersigned(signed.SignerName, now), Grant(definition, now));
    }

    private static Decision Reaffirm(WorkflowDefinition definition, ConsentState state, Reaffirm r, DateTimeOffset now)
    {
        if (state.Status != ConsentStatus.Granted) return NotNow(state, "only a granted consent can be reaffirmed");
        if (definition.Settings.Reaffirmation is null) return NotNow(state, "this workflow does not ask for reaffirmation");
        if (r.Confirmed != true) return Invalid("confirmed", "Confirm that you still want the procedure (confirmed: true), or withdraw.");
        if (r.Signer is null) return Decision.Accept(new ConsentReaffirmed(now));
        return Signature(StaffSigned.Reaffirm, r.Signer, null, StaffSignatureMeanings.Reaffirm, now) is { } signed
            ? Decision.Accept(signed, new ConsentReaffirmed(now))
            : Unsigned(r.Signer);
    }

    private static Decision Withdraw(ConsentState state, Withdraw w, DateTimeOffset now)
    {
        if (state.Status.IsFinal()) return NotNow(state, "the consent has already ended");
        // A code, never free text: the reason is published to other systems and free text may hold health data.
        if (w.ReasonCode is not { } code || !ReasonCodePattern().IsMatch(code))
        {
            return Invalid("reason", "Give a reason code such as patient_request, changed_mind or clinical_reason (lowercase letters, digits and _).");
        }
        if (w.Signer is null) return Decision.Accept(new ConsentWithdrawn(code, now));
        return Signature(StaffSigned.Withdraw, w.Signer, null, StaffSignatureMeanings.Withdraw, now) is { } signed
            ? Decision.Accept(signed, new ConsentWithdrawn(code, now))
            : Unsigned(w.Signer);
    }

    /// <summary>The signature manifest of a staff act, or null when the signer or the meaning is not usable.</summary>
    private static StaffSigned? Signature(string act, StaffSigner? signer, string? meaning, string defaultMeaning, DateTimeOffset now)
    {
        if (signer is null || Blank(signer.AccountId, MaxNameLength) || Blank(signer.Name, MaxNameLength) || Blank(signer.AuthMethod, MaxNameLength)) return null;
        var shown = string.IsNullOrWhiteSpace(meaning) ? defaultMeaning : meaning.Trim();
        return shown.Length > MaxTextLength ? null : new StaffSigned(act, signer.AccountId, signer.Name.Trim(), shown, signer.AuthMethod, signer.AuthenticatedAt, now);
    }

    private static Decision Unsigned(StaffSigner? signer) => signer is null || Blank(signer.Name, MaxNameLength) || Blank(signer.AccountId, MaxNameLength) || Blank(signer.AuthMethod, MaxNameLength)
        ? Invalid("signer", "A staff signature needs the signed-in account and how it authenticated at signing.")
        : Invalid("meaning", $"The meaning of a signature is at most {MaxTextLength} characters.");

    private static Decision ClockTick(WorkflowDefinition definition, ConsentState state, DateTimeOffset now)
    {
        var events = new List<ConsentEvent>();
        if (state.Status == ConsentStatus.Granted)
        {
            if (!state.CoolingOffOver && now >= state.ValidFrom) events.Add(new CoolingOffEnded(now));
            if (now >= state.ValidUntil) events.Add(new ConsentExpired(now));
        }
        else if (NextTimer(definition.Settings, state) <= now)
        {
            events.Add(new ReminderDue(now));
        }
        return Decision.Accept([.. events]);
    }

    private static Decision Supersede(ConsentState state, Supersede s, DateTimeOffset now)
    {
        if (state.Status != ConsentStatus.Granted) return NotNow(state, "only a granted consent can be superseded");
        return s.ToVersion > state.WorkflowVersion
            ? Decision.Accept(new ConsentSuperseded(s.ToVersion, s.ChangedSections, now))
            : Invalid("toVersion", $"Version {s.ToVersion} is not newer than v{state.WorkflowVersion}.");
    }

    private static Decision Invalid(string field, string message) => Decision.Reject(RejectionCode.InvalidInput, field, message);

    private static Decision NotNow(ConsentState state, string why) =>
        Decision.Reject(RejectionCode.NotAllowedInStatus, "status", $"The consent is {state.Status.ToContract()}: {why}.", state.CurrentStepId);

    private static bool Blank(string? text, int max) => string.IsNullOrWhiteSpace(text) || text.Length > max;

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [GeneratedRegex("^\\p{L}{1,5}$")]
    private static partial Regex InitialsPattern();

    [GeneratedRegex("^[a-z][a-z0-9_]{1,47}$")]
    private static partial Regex ReasonCodePattern();
}
