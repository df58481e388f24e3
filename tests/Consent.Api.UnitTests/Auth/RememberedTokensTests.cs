using System.Security.Claims;
using System.Security.Cryptography;
using Consent.Api.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Consent.Api.UnitTests.Auth;

/// <summary>
/// The bearer handler remembers a token that validated, briefly: the same token is not checked again on every gate
/// query, and nothing that did not validate, no altered token and no entry past its token's expiry is ever answered
/// from memory.
/// </summary>
public sealed class RememberedTokensTests
{
    private readonly SymmetricSecurityKey _key = new(RandomNumberGenerator.GetBytes(32)) { KeyId = "local" };
    private readonly Clock _clock = new(DateTimeOffset.UtcNow);

    private TokenValidationParameters Parameters() => new()
    {
        ValidIssuer = LocalTokens.Issuer,
        ValidAudience = LocalTokens.Audience,
        IssuerSigningKey = _key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RequireExpirationTime = true,
        ClockSkew = TimeSpan.FromSeconds(30),
    };

    private string Token(TimeSpan lifetime, SecurityKey? key = null, string subject = "scheduler") =>
        LocalTokens.Create(key ?? _key, subject, StaffRoles.Integration, "clinic-a", lifetime, DateTimeOffset.UtcNow);

    [Fact]
    public async Task A_token_that_validated_is_answered_from_memory_with_an_identity_of_its_own()
    {
        var handler = new RememberedTokens(_clock);
        var token = Token(TimeSpan.FromHours(1));

        var first = await handler.ValidateTokenAsync(token, Parameters());
        first.ClaimsIdentity.AddClaim(new Claim("added-by-a-request", "x"));
        var second = await handler.ValidateTokenAsync(token, Parameters());

        handler.Validations.ShouldBe(1);
        second.IsValid.ShouldBeTrue();
        second.ClaimsIdentity.ShouldNotBeSameAs(first.ClaimsIdentity);
        second.ClaimsIdentity.FindFirst(StaffRoles.SubjectClaim)!.Value.ShouldBe("scheduler");
        second.ClaimsIdentity.FindFirst(StaffRoles.ClinicClaim)!.Value.ShouldBe("clinic-a");
        second.ClaimsIdentity.HasClaim(c => c.Type == "added-by-a-request").ShouldBeFalse("one request's additions never reach the next");
        second.SecurityToken.ValidTo.ShouldBe(first.SecurityToken.ValidTo);
    }

    [Fact]
    public async Task A_token_that_failed_is_validated_in_full_every_time()
    {
        var handler = new RememberedTokens(_clock);
        var forged = Token(TimeSpan.FromHours(1), new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = "local" });

        (await handler.ValidateTokenAsync(forged, Parameters())).IsValid.ShouldBeFalse();
        (await handler.ValidateTokenAsync(forged, Parameters())).IsValid.ShouldBeFalse();
        handler.Validations.ShouldBe(2);
    }

    [Fact]
    public async Task A_remembered_token_with_one_character_changed_is_not_the_remembered_token()
    {
        var handler = new RememberedTokens(_clock);
        var token = Token(TimeSpan.FromHours(1));
        (await handler.ValidateTokenAsync(token, Parameters())).IsValid.ShouldBeTrue();

        // A different payload under the remembered signature.
        var parts = token.Split('.');
        var payload = parts[1].ToCharArray();
        payload[10] = payload[10] == 'A' ? 'B' : 'A';
        var altered = $"{parts[0]}.{new string(payload)}.{parts[2]}";

        (await handler.ValidateTokenAsync(altered, Parameters())).IsValid.ShouldBeFalse();
        handler.Validations.ShouldBe(2);
    }

    [Fact]
    public async Task A_token_is_validated_again_once_the_minute_has_passed()
    {
        var handler = new RememberedTokens(_clock);
        var token = Token(TimeSpan.FromHours(1));
        await handler.ValidateTokenAsync(token, Parameters());

        _clock.Advance(RememberedTokens.RememberFor - TimeSpan.FromSeconds(1));
        await handler.ValidateTokenAsync(token, Parameters());
        handler.Validations.ShouldBe(1);

        _clock.Advance(TimeSpan.FromSeconds(2));
        (await handler.ValidateTokenAsync(token, Parameters())).IsValid.ShouldBeTrue();
        handler.Validations.ShouldBe(2);
    }

    [Fact]
    public async Task No_answer_from_memory_outlives_the_token_s_expiry()
    {
        var handler = new RememberedTokens(_clock);
        var token = Token(TimeSpan.FromSeconds(20));
        await handler.ValidateTokenAsync(token, Parameters());

        _clock.Advance(TimeSpan.FromSeconds(21));
        await handler.ValidateTokenAsync(token, Parameters());
        handler.Validations.ShouldBe(2, "past exp the token is checked in full, where only the clock skew can still admit it");
    }

    [Fact]
    public async Task When_full_a_new_token_is_validated_in_full_rather_than_pushing_one_out()
    {
        var handler = new RememberedTokens(_clock);
        var tokens = Enumerable.Range(0, RememberedTokens.Capacity + 1).Select(i => Token(TimeSpan.FromHours(1), subject: $"caller-{i}")).ToArray();
        foreach (var token in tokens) (await handler.ValidateTokenAsync(token, Parameters())).IsValid.ShouldBeTrue();
        handler.Validations.ShouldBe(RememberedTokens.Capacity + 1);

        (await handler.ValidateTokenAsync(tokens[0], Parameters())).IsValid.ShouldBeTrue();
        (await handler.ValidateTokenAsync(tokens[^1], Parameters())).IsValid.ShouldBeTrue();
        handler.Validations.ShouldBe(RememberedTokens.Capacity + 2, "the first is remembered, the one past capacity is not");

        // Once the remembered ones have expired, the sweep makes room.
        _clock.Advance(RememberedTokens.RememberFor + TimeSpan.FromSeconds(1));
        await handler.ValidateTokenAsync(tokens[^1], Parameters());
        await handler.ValidateTokenAsync(tokens[^1], Parameters());
        handler.Validations.ShouldBe(RememberedTokens.Capacity + 3);
    }

    [Fact]
    public void The_service_s_bearer_scheme_validates_with_the_remembering_handler_only()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:LocalSigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        }).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddConsentAuth().BuildServiceProvider();

        var jwt = services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);

        jwt.TokenHandlers.ShouldHaveSingleItem().ShouldBeOfType<RememberedTokens>().MapInboundClaims.ShouldBeFalse();
    }

    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
