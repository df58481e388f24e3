using Consent.Workflows.Definitions;

namespace Consent.Workflows.Runtime;

/// <summary>
/// Where a patient goes next. Steps run in list order; <c>next</c> on a step or on the chosen option jumps;
/// a step whose <c>when</c> does not match the choices made is skipped.
/// </summary>
public static class Navigation
{
    public static string? FirstStep(WorkflowDefinition definition) =>
        FirstApplicableFrom(definition, 0, System.Collections.Immutable.ImmutableDictionary<string, string>.Empty)?.Id;

    /// <summary>The step after <paramref name="step"/> for this instance, or null when none is left.</summary>
    public static string? After(WorkflowDefinition definition, ConsentState state, StepDefinition step, StepOption? chosen) =>
        Next(definition, state.Choices, step, chosen)?.Id;

    /// <summary>
    /// The steps this patient walks from the start given the choices made so far; a loop is followed once.
    /// Before a choice is made, the steps that depend on it are not counted.
    /// </summary>
    public static IReadOnlyList<StepDefinition> Path(WorkflowDefinition definition, IReadOnlyDictionary<string, string> choices)
    {
        var path = new List<StepDefinition>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = FirstApplicableFrom(definition, 0, choices);
        while (current is not null && seen.Add(current.Id))
        {
            path.Add(current);
            var chosen = current.Type == StepType.Choice && choices.TryGetValue(current.Id, out var optionId)
                ? current.Options.FirstOrDefault(o => o.Id == optionId)
                : null;
            current = Next(definition, choices, current, chosen);
        }
        return path;
    }

    /// <summary>The first step on the patient's path not yet completed: nothing is granted while one is left.</summary>
    public static string? FirstIncomplete(WorkflowDefinition definition, ConsentState state) =>
        Path(definition, state.Choices).FirstOrDefault(s => !state.Completed.Contains(s.Id))?.Id;

    public static (int Done, int Total) Progress(WorkflowDefinition definition, ConsentState state)
    {
        var path = Path(definition, state.Choices);
        return (path.Count(s => state.Completed.Contains(s.Id)), path.Count);
    }

    /// <summary>
    /// Progress that never moves backwards: the steps done on the patient's path against the most that can still
    /// be left, counting every choice not yet made at its longest option. Making a choice or finishing a step can
    /// only shrink what is left, so <see cref="SteadyProgress.Percent"/> only grows along a consent (a property test
    /// walks every route); "Part 5 of 20" turning into "Part 36 of 36" counted the route's steps only once chosen.
    /// </summary>
    public static SteadyProgress Steady(WorkflowDefinition definition, ConsentState state)
    {
        var done = Path(definition, state.Choices).Count(s => state.Completed.Contains(s.Id));
        var left = MostLeft(definition, state.Choices, state.Completed);
        return new SteadyProgress(done, left);
    }

    private static int MostLeft(WorkflowDefinition definition, IReadOnlyDictionary<string, string> choices, IReadOnlySet<string> completed)
    {
        var path = Path(definition, choices);
        var open = path.FirstOrDefault(s => s.Type == StepType.Choice && !choices.ContainsKey(s.Id));
        if (open is null) return path.Count(s => !completed.Contains(s.Id));
        return open.Options.Max(o =>
        {
            var with = new Dictionary<string, string>(choices) { [open.Id] = o.Id };
            return MostLeft(definition, with, completed);
        });
    }

    private static StepDefinition? Next(WorkflowDefinition definition, IReadOnlyDictionary<string, string> choices, StepDefinition step, StepOption? chosen)
    {
        var jump = chosen?.Next ?? step.Next;
        var from = jump is null
            ? definition.Steps.IndexOf(step) + 1
            : definition.Steps.IndexOf(definition.FindStep(jump)!);
        return from < 0 ? null : FirstApplicableFrom(definition, from, choices);
    }

    private static StepDefinition? FirstApplicableFrom(WorkflowDefinition definition, int index, IReadOnlyDictionary<string, string> choices)
    {
        for (var i = index; i < definition.Steps.Length; i++)
        {
            if (definition.Steps[i].AppliesTo(choices)) return definition.Steps[i];
        }
        return null;
    }

    // The tablet's moves between steps already done: rereading an earlier step, and the way back to the current one.

    /// <summary>The steps on the patient's path that are done and may be reread, in path order; never the current step.</summary>
    public static IReadOnlyList<StepDefinition> Reread(WorkflowDefinition definition, ConsentState state) =>
        [.. Path(definition, state.Choices).Where(s => state.Completed.Contains(s.Id) && s.Id != state.CurrentStepId)];

    /// <summary>
    /// The earlier step "Back" goes to from the step <paramref name="shown"/> (the current one, or one being reread when
    /// <paramref name="rereading"/>); with no step shown (waiting for someone), the last one done. Null when there is none.
    /// </summary>
    public static StepDefinition? BackTarget(WorkflowDefinition definition, ConsentState state, StepDefinition? shown, bool rereading)
    {
        var reread = Reread(definition, state);
        var lastDone = reread.Count > 0 ? reread[^1] : null;
        if (shown is null) return lastDone;
        if (!rereading)
        {
            // Back from the current step: the last step done before it on the patient's path.
            var path = Path(definition, state.Choices);
            var at = path.ToList().FindIndex(s => s.Id == shown.Id);
            return at < 0 ? lastDone : path.Take(at).LastOrDefault(s => state.Completed.Contains(s.Id));
        }
        var index = reread.ToList().FindIndex(s => s.Id == shown.Id);
        return index > 0 ? reread[index - 1] : null;
    }

    /// <summary>While rereading <paramref name="shown"/>: the next step done, or null when the next one is where the patient is.</summary>
    public static StepDefinition? ForwardTarget(WorkflowDefinition definition, ConsentState state, StepDefinition? shown, bool rereading)
    {
        if (!rereading || shown is null) return null;
        var reread = Reread(definition, state).ToList();
        var index = reread.FindIndex(s => s.Id == shown.Id);
        var next = index >= 0 && index + 1 < reread.Count ? reread[index + 1] : null;
        // Never read forward past where the patient is.
        var path = Path(definition, state.Choices).ToList();
        var current = state.CurrentStepId is { } c ? path.FindIndex(s => s.Id == c) : path.Count;
        return next is not null && path.FindIndex(s => s.Id == next.Id) < current ? next : null;
    }

    /// <summary>"Risk 2 of 5": where <paramref name="stepId"/> stands among the risks on this patient's path (0 when it is not one of them).</summary>
    public static (int Number, int Of) RiskPosition(WorkflowDefinition definition, ConsentState state, string? stepId)
    {
        var risks = Path(definition, state.Choices).Where(s => s.Type == StepType.Risk).ToList();
        return (risks.FindIndex(s => s.Id == stepId) + 1, risks.Count);
    }
}

/// <summary>Steps done and the most that can still be left; the tablet shows the share done.</summary>
public sealed record SteadyProgress(int Done, int MostLeft)
{
    public int Total => Done + MostLeft;

    public int Percent => Total == 0 ? 100 : 100 * Done / Total;
}
