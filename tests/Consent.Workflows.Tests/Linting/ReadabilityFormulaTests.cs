using Consent.Workflows.Linting;

namespace Consent.Workflows.Tests.Linting;

/// <summary>
/// The reading measures against examples counted by hand. Fernández-Huerta (1959) is 206.84 − 0.60 P − 1.02 F with
/// P the syllables per 100 words and F the words per sentence (its length term, like Flesch's; see
/// <see cref="Readability.FernandezHuerta"/> for the "sentences per 100 words" misquotation).
/// </summary>
public sealed class ReadabilityFormulaTests
{
    // "El mé-di-co lim-pia la es-pal-da." 5 words, 1+3+2+1+3 = 10 syllables.
    // "U-na a-gu-ja fi-na en-tra en-tre dos hue-sos." 7 words, 2+3+2+2+2+1+2 = 14 syllables.
    private const string TwoSentences = "El médico limpia la espalda. Una aguja fina entra entre dos huesos.";

    [Fact]
    public void Fernandez_huerta_of_a_section_uses_syllables_per_100_words_and_words_per_sentence()
    {
        var score = Readability.FernandezHuerta(TwoSentences);
        score.Words.ShouldBe(12);
        score.Sentences.ShouldBe(2);
        // P = 100 × 24 / 12 = 200, F = 12 / 2 = 6: 206.84 − 120 − 6.12.
        score.Value.ShouldBe(80.72, tolerance: 0.005);
    }

    [Fact]
    public void Fernandez_huerta_of_one_sentence_is_the_same_formula()
    {
        // P = 100 × 10 / 5 = 200, F = 5: 206.84 − 120 − 5.10.
        Readability.FernandezHuertaSentence("El médico limpia la espalda.").Value.ShouldBe(81.74, tolerance: 0.005);
        Readability.FernandezHuerta("El médico limpia la espalda.").Value.ShouldBe(81.74, tolerance: 0.005);
    }

    [Fact]
    public void Splitting_a_long_sentence_in_two_makes_spanish_easier_not_harder()
    {
        // The same 12 words and 24 syllables as one sentence: F = 12, so 206.84 − 120 − 12.24.
        var joined = Readability.FernandezHuerta("El médico limpia la espalda, una aguja fina entra entre dos huesos.");
        joined.Value.ShouldBe(74.60, tolerance: 0.005);
        Readability.FernandezHuerta(TwoSentences).Value.ShouldBeGreaterThan(joined.Value);
    }

    [Fact]
    public void Flesch_kincaid_grade_uses_words_per_sentence_and_syllables_per_word()
    {
        // 6 words of one syllable in one sentence: 0.39 × 6 + 11.8 × 1 − 15.59.
        Readability.FleschKincaidGrade("The cat sat on the mat.").Value.ShouldBe(-1.45, tolerance: 0.005);
        // "The doc-tor cleans your back." 5 words, 1+2+1+1+1 = 6 syllables; "A thin nee-dle goes in." 5 words, 1+1+2+1+1 = 6:
        // 0.39 × 5 + 11.8 × 12/10 − 15.59.
        Readability.FleschKincaidGrade("The doctor cleans your back. A thin needle goes in.").Value.ShouldBe(0.52, tolerance: 0.005);
    }

    [Theory]
    [InlineData("médula", 3)]      // mé-du-la
    [InlineData("ósea", 3)]        // ó-se-a: two strong vowels are a hiatus
    [InlineData("células", 3)]     // cé-lu-las
    [InlineData("Médula", 3)]      // capitals count the same
    [InlineData("país", 2)]        // pa-ís: an accented weak vowel breaks the diphthong
    [InlineData("río", 2)]         // rí-o
    [InlineData("oído", 3)]        // o-í-do
    [InlineData("ahí", 2)]         // a-hí: h does not join vowels into one syllable
    [InlineData("prohibido", 4)]   // pro-hi-bi-do
    [InlineData("ciudad", 2)]      // ciu-dad: weak + weak is a diphthong
    [InlineData("construir", 2)]   // cons-truir
    [InlineData("agua", 2)]        // a-gua
    [InlineData("huesos", 2)]      // hue-sos
    [InlineData("riesgo", 2)]      // ries-go
    [InlineData("pingüino", 3)]    // pin-güi-no
    [InlineData("veintiún", 2)]    // vein-tiún: an accent on the strong position keeps the diphthong
    [InlineData("reúne", 3)]       // re-ú-ne
    [InlineData("leer", 2)]        // le-er
    [InlineData("aéreo", 4)]       // a-é-re-o
    [InlineData("zoológico", 5)]   // zo-o-ló-gi-co
    [InlineData("buey", 1)]        // a triphthong, final y as a vowel sound
    [InlineData("estudiáis", 3)]   // es-tu-diáis
    [InlineData("Uruguay", 3)]     // U-ru-guay
    [InlineData("muy", 1)]
    [InlineData("y", 1)]
    [InlineData("meningitis", 4)]  // me-nin-gi-tis
    [InlineData("investigación", 5)] // in-ves-ti-ga-ción
    public void Spanish_syllables_match_a_hand_count(string word, int syllables) => Readability.SpanishSyllables(word).ShouldBe(syllables);
}
