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
}

/// <summary>Steps done and the most that can still be left; the tablet shows the share done.</summary>
public sealed record SteadyProgress(int Done, int MostLeft)
{
    public int Total => Done + MostLeft;

    public int Percent => Total == 0 ? 100 : 100 * Done / Total;
}
