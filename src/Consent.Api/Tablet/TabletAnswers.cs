using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;

namespace Consent.Api.Tablet;

public static class TabletAnswers
{
    /// <summary>What the patient answered on a step, in words of the consent's language; null where a step has no answer to show.</summary>
    public static string? Describe(StepDefinition step, ConsentState state, string fallbackLocale)
    {
        string Text(LocalizedText text) => text.For(state.Locale, fallbackLocale);
        string YesNo(bool yes) => TabletText.For(state.Locale, yes ? "answer.yes" : "answer.no");
        return step.Type switch
        {
            StepType.Risk => state.RiskInitials.GetValueOrDefault(step.Id),
            StepType.Choice => step.Options.FirstOrDefault(o => o.Id == state.Choices.GetValueOrDefault(step.Id)) is { } o ? Text(o.Label) : null,
            StepType.Provision => state.Provisions.TryGetValue(step.Id, out var yes) ? YesNo(yes) : null,
            // A quiz is complete only once answered rightly.
            StepType.Quiz => step.Options.FirstOrDefault(o => o.Id == step.CorrectOption) is { } right ? Text(right.Label) : null,
            StepType.Decision => state.Consented is { } consented ? YesNo(consented) : null,
            _ => null,
        };
    }
}
