using System.Text.RegularExpressions;

namespace Consent.Workflows.Linting;

/// <summary>
/// Reading-ease measures for patient-facing text. English: Flesch-Kincaid grade level. Spanish: the
/// Fernández-Huerta reading ease (a Flesch adaptation for Spanish; 60-70 reads like US grade 8-9, below 50 is
/// "difficult", comparable to grade 11 and above). Syllables are counted by rule, which is accurate enough to
/// rank sentences and flag hard sections, not to publish as exact figures.
/// </summary>
public static partial class Readability
{
    public sealed record Score(double Value, int Words, int Sentences, IReadOnlyList<string> SentenceTexts);

    /// <summary>The text's sentences after Markdown is removed; list items and headings end a sentence.</summary>
    public static IReadOnlyList<string> Sentences(string markdown)
    {
        // A clinic's value stands in for a placeholder; its own words are the profile's to keep plain.
        var text = PlaceholderPattern().Replace(markdown, "x");
        text = LinkPattern().Replace(text, "$1");
        text = MarkupPattern().Replace(text, " ");
        var sentences = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var stripped = ListOrHeadingPattern().Replace(line, "").Trim();
            if (stripped.Length == 0) continue;
            sentences.AddRange(SentenceEndPattern().Split(stripped).Select(s => s.Trim()).Where(s => Words(s).Count > 0));
        }
        // Lines that continue a sentence (a wrapped paragraph) are joined back by merging fragments without an end mark.
        var merged = new List<string>();
        foreach (var s in sentences)
        {
            if (merged.Count > 0 && !EndsSentence(merged[^1]) && char.IsLower(s[0])) merged[^1] += " " + s;
            else merged.Add(s);
        }
        return merged;
    }

    public static IReadOnlyList<string> Words(string sentence) =>
        WordPattern().Matches(sentence).Select(m => m.Value).ToList();

    /// <summary>Flesch-Kincaid grade: 0.39 × words per sentence + 11.8 × syllables per word − 15.59.</summary>
    public static Score FleschKincaidGrade(string markdown)
    {
        var sentences = Sentences(markdown);
        var words = sentences.SelectMany(Words).ToList();
        if (words.Count == 0) return new Score(0, 0, 0, sentences);
        var syllables = words.Sum(EnglishSyllables);
        var grade = 0.39 * words.Count / sentences.Count + 11.8 * syllables / words.Count - 15.59;
        return new Score(grade, words.Count, sentences.Count, sentences);
    }

    /// <summary>
    /// Fernández-Huerta (1959): 206.84 − 0.60 P − 1.02 F (higher is easier), P the syllables per 100 words and F the
    /// words per sentence. Often quoted with F as "sentences per 100 words", which makes shorter sentences score as
    /// harder; Fernández Huerta adapted Flesch (206.835 − 84.6 syllables/word − 1.015 words/sentence), whose length
    /// term is words per sentence, and the scalable form is 206.84 − 60 × syllables/word − 1.02 × words/sentence
    /// (G. Law, "Error in the Fernández Huerta readability formula", LINGUIST List 22.2332, 2011).
    /// </summary>
    public static Score FernandezHuerta(string markdown)
    {
        var sentences = Sentences(markdown);
        var words = sentences.SelectMany(Words).ToList();
        if (words.Count == 0) return new Score(100, 0, 0, sentences);
        var syllables = words.Sum(SpanishSyllables);
        var ease = 206.84 - 0.60 * (100.0 * syllables / words.Count) - 1.02 * ((double)words.Count / sentences.Count);
        return new Score(ease, words.Count, sentences.Count, sentences);
    }

    /// <summary>Fernández-Huerta for one sentence as it stands (not split again at marks inside it).</summary>
    public static Score FernandezHuertaSentence(string sentence)
    {
        var words = Words(sentence);
        if (words.Count == 0) return new Score(100, 0, 0, [sentence]);
        var syllables = words.Sum(SpanishSyllables);
        var ease = 206.84 - 0.60 * (100.0 * syllables / words.Count) - 1.02 * words.Count;
        return new Score(ease, words.Count, 1, [sentence]);
    }

    public static int EnglishSyllables(string word)
    {
        var w = word.ToLowerInvariant().Where(char.IsLetter).ToArray();
        if (w.Length == 0) return 0;
        if (w.Length <= 3) return 1;
        var s = new string(w);
        // Silent endings: "-es"/"-ed" after most consonants, and a final "e" (but not "-le" as in "simple").
        s = SilentEndingPattern().Replace(s, "");
        if (s.EndsWith('e') && !s.EndsWith("le", StringComparison.Ordinal)) s = s[..^1];
        var count = EnglishVowelGroupPattern().Count(s);
        return Math.Max(1, count);
    }

    public static int SpanishSyllables(string word)
    {
        var w = word.ToLowerInvariant();
        var count = 0;
        var i = 0;
        while (i < w.Length)
        {
            if (!IsSpanishVowel(w[i])) { i++; continue; }
            var start = i;
            while (i < w.Length && IsSpanishVowel(w[i])) i++;
            count += SpanishNuclei(w.AsSpan(start, i - start));
        }
        return Math.Max(1, count);
    }

    // Two strong vowels (a, e, o, or an accented i/u) side by side are a hiatus: two syllables. A weak vowel
    // (i, u, ü) next to any vowel forms a diphthong or triphthong with it: one syllable.
    private static int SpanishNuclei(ReadOnlySpan<char> group)
    {
        var nuclei = 1;
        for (var k = 1; k < group.Length; k++)
        {
            if (IsStrong(group[k - 1]) && IsStrong(group[k])) nuclei++;
        }
        return nuclei;
    }

    private static bool IsSpanishVowel(char c) => "aeiouáéíóúü".Contains(c, StringComparison.Ordinal);

    private static bool IsStrong(char c) => "aeoáéóíú".Contains(c, StringComparison.Ordinal);

    private static bool EndsSentence(string s) => s.EndsWith('.') || s.EndsWith('!') || s.EndsWith('?') || s.EndsWith(':');

    [GeneratedRegex(@"\{clinic\.[A-Za-z0-9.]+\}")]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex(@"\[([^\]]*)\]\([^)]*\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"[*_`>#|]+")]
    private static partial Regex MarkupPattern();

    [GeneratedRegex(@"^\s*([-+]|\d+[.)])\s+")]
    private static partial Regex ListOrHeadingPattern();

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceEndPattern();

    [GeneratedRegex(@"\p{L}[\p{L}'’-]*|\d+([.,]\d+)?%?")]
    private static partial Regex WordPattern();

    [GeneratedRegex("(?<=[^aeiouylsz])(es|ed)$")]
    private static partial Regex SilentEndingPattern();

    [GeneratedRegex("[aeiouy]+")]
    private static partial Regex EnglishVowelGroupPattern();
}
