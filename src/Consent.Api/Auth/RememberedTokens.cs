using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Consent.Api.Auth;

/// <summary>
/// The staff and integration bearer handler: a token that passed full validation is remembered for a short while, so
/// that a scheduler asking the gate thousands of times a minute with one token does not have its signature checked,
/// its JSON parsed and its claims built on every request (a tenth of the gate's CPU in the benchmark's profile).
/// <list type="bullet">
/// <item>Only a token that validated is remembered, by its exact text; anything else is validated in full every time.</item>
/// <item>An entry ends at the token's <c>exp</c> (without the clock skew a full validation allows) or
/// <see cref="RememberFor"/> after it was validated, whichever comes first. A signing key withdrawn from the authority's
/// JWKS stops opening the service at most that long after the service re-reads the JWKS, which it caches for hours.</item>
/// <item>Every request gets its own copy of the identity: the events after validation (the clinic claim's copy, the
/// claim text checks) may add to it, and they still run on every request.</item>
/// <item>At most <see cref="Capacity"/> tokens; when full, expired entries are swept, and a token that still does not
/// fit is validated in full each time rather than pushing another out.</item>
/// </list>
/// </summary>
public sealed class RememberedTokens(TimeProvider clock) : JsonWebTokenHandler
{
    public static readonly TimeSpan RememberFor = TimeSpan.FromSeconds(60);
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, Remembered> _tokens = new(StringComparer.Ordinal);
    private long _validations;

    /// <summary>How many tokens were validated in full (not answered from memory): what the tests count.</summary>
    public long Validations => Interlocked.Read(ref _validations);

    public RememberedTokens() : this(TimeProvider.System)
    {
    }

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = clock.GetUtcNow();
        if (_tokens.TryGetValue(token, out var remembered))
        {
            if (now < remembered.Until) return remembered.Answer();
            _tokens.TryRemove(new KeyValuePair<string, Remembered>(token, remembered));
        }
        Interlocked.Increment(ref _validations);
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result is { IsValid: true, SecurityToken: { } validated, ClaimsIdentity: { } identity })
        {
            var until = new DateTimeOffset(DateTime.SpecifyKind(validated.ValidTo, DateTimeKind.Utc));
            if (now + RememberFor < until) until = now + RememberFor;
            if (now < until && Room(now)) _tokens[token] = new Remembered(identity.Clone(), validated, result.Issuer, result.TokenType, until);
        }
        return result;
    }

    private bool Room(DateTimeOffset now)
    {
        if (_tokens.Count < Capacity) return true;
        foreach (var (token, remembered) in _tokens)
        {
            if (remembered.Until <= now) _tokens.TryRemove(new KeyValuePair<string, Remembered>(token, remembered));
        }
        return _tokens.Count < Capacity;
    }

    private sealed record Remembered(ClaimsIdentity Identity, SecurityToken Token, string Issuer, string TokenType, DateTimeOffset Until)
    {
        public TokenValidationResult Answer() => new()
        {
            IsValid = true,
            ClaimsIdentity = Identity.Clone(),
            SecurityToken = Token,
            Issuer = Issuer,
            TokenType = TokenType,
        };
    }
}
