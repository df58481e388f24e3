using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Consent.Workflows.Definitions;

namespace Consent.Workflows.Runtime;

/// <summary>
/// The order a consent shows a quiz's options in: a Fisher-Yates shuffle driven by the consent's recorded seed and
/// the step id, so each quiz is shuffled differently, the right answer is not always in the same place, and a
/// replay of the events shows exactly what the patient saw. The generator is our own (SplitMix64), not
/// <see cref="Random"/>, whose sequence for a seed is not promised across .NET versions.
/// </summary>
public static class OptionOrder
{
    /// <summary>The options of <paramref name="step"/> as <paramref name="state"/>'s consent shows them.</summary>
    public static ImmutableArray<StepOption> AsShown(StepDefinition step, ConsentState state) =>
        state.OptionSeed is { } seed && step.Type == StepType.Quiz
            ? [.. Permutation(seed, step.Id, step.Options.Length).Select(i => step.Options[i])]
            : step.Options;

    /// <summary>A permutation of 0..count-1 for one quiz of one consent.</summary>
    public static int[] Permutation(int seed, string stepId, int count)
    {
        var order = Enumerable.Range(0, count).ToArray();
        var state = Mix((ulong)(uint)seed << 32 ^ Fnv(stepId));
        for (var i = count - 1; i > 0; i--)
        {
            state = Next(state, out var random);
            var j = (int)(random % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>A seed when the caller gives none: from the workflow's hash and the start time, both recorded.</summary>
    public static int SeedFrom(string contentHash, DateTimeOffset startedAt) =>
        BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes($"{contentHash}|{startedAt.UtcTicks}")), 0);

    private static ulong Fnv(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    private static ulong Next(ulong state, out ulong value)
    {
        state += 0x9E3779B97F4A7C15UL;
        value = Mix(state);
        return state;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
