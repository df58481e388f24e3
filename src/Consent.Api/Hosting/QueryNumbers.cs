using System.Globalization;

namespace Consent.Api.Hosting;

/// <summary>The one check of a whole-number query parameter (a page, a page size, a limit).</summary>
public static class QueryNumbers
{
    /// <summary>A whole number from 1 to <paramref name="max"/> in a query parameter, or <paramref name="fallback"/> when absent.</summary>
    public static bool Positive(string? text, int fallback, int max, out int value)
    {
        value = fallback;
        return text is null || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1 && value <= max);
    }
}
