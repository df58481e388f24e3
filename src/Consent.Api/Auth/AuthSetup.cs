using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Consent.Api.Auth;

/// <summary>Settings under <c>Auth</c>. Switching from local tokens to an OIDC authority is configuration only.</summary>
public sealed class AuthSettings
{
    /// <summary><c>Local</c>: tokens signed with the local key (demo, development, tests). <c>Oidc</c>: tokens from <see cref="Authority"/>.</summary>
    public string Mode { get; set; } = "Local";
    public string? LocalSigningKey { get; set; }
    public string LocalSigningKeyFile { get; set; } = LocalTokens.DefaultKeyFile;
    public string? Authority { get; set; }
    public string Audience { get; set; } = LocalTokens.Audience;
    public bool RequireHttpsMetadata { get; set; } = true;
    /// <summary>Claim names as the authority issues them; ours by default.</summary>
    public string RoleClaim { get; set; } = StaffRoles.RoleClaim;
    public string ClinicClaim { get; set; } = StaffRoles.ClinicClaim;
    /// <summary>The dashboard's client at the OIDC authority (code flow with PKCE); without it only local staff sign-in exists.</summary>
    public string? DashboardClientId { get; set; }
    public string? DashboardClientSecret { get; set; }
    /// <summary>How recent a sign-in (a token's <c>auth_time</c>) must be for a staff signature on the API.</summary>
    public int RecentSignInSeconds { get; set; } = 300;

    public bool IsOidc => string.Equals(Mode, "Oidc", StringComparison.OrdinalIgnoreCase);

    public SecurityKey LocalKey() =>
        !string.IsNullOrWhiteSpace(LocalSigningKey) ? LocalTokens.KeyFromBase64(LocalSigningKey)
        : LocalTokens.ReadOrCreateKey(LocalSigningKeyFile);
}

public static class AuthSetup
{
    /// <summary>A tablet token in the Authorization header, or null when the header holds none.</summary>
    public static string? TabletTokenOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return header.StartsWith(bearer + TabletClaims.TokenPrefix, StringComparison.Ordinal) && header.Length < 200 ? header[bearer.Length..] : null;
    }

    public static IServiceCollection AddConsentAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthSettings>().BindConfiguration("Auth")
            .Validate(s => s.IsOidc || string.Equals(s.Mode, "Local", StringComparison.OrdinalIgnoreCase), "Auth:Mode must be Local or Oidc.")
            .Validate(s => !s.IsOidc || !string.IsNullOrWhiteSpace(s.Authority), "Auth:Authority is required when Auth:Mode is Oidc.")
            .ValidateOnStart();

        // One default scheme that looks at the bearer token and hands it to the handler that understands it: tablet tokens
        // to the tablet's scheme (registered by the tablet feature), anything else to the staff JWT handler.
        services.AddAuthentication("BearerOrTablet").AddJwtBearer()
            .AddPolicyScheme("BearerOrTablet", null, o => o.ForwardDefaultSelector = http =>
                TabletTokenOf(http.Request) is null ? JwtBearerDefaults.AuthenticationScheme : TabletClaims.Scheme);
        // Configured lazily from options so that configuration added by a test host or environment is honoured.
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthSettings>>((jwt, auth) => Configure(jwt, auth.Value));

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Staff, p => RequireClinicMember(p, StaffRoles.Coordinator, StaffRoles.Clinician, StaffRoles.Admin))
            .AddPolicy(Policies.Coordinator, p => RequireClinicMember(p, StaffRoles.Coordinator))
            .AddPolicy(Policies.Clinician, p => RequireClinicMember(p, StaffRoles.Clinician))
            .AddPolicy(Policies.CoordinatorOrClinician, p => RequireClinicMember(p, StaffRoles.Coordinator, StaffRoles.Clinician))
            .AddPolicy(Policies.Integration, p => RequireClinicMember(p, StaffRoles.Integration))
            .AddPolicy(Policies.GateReaders, p => RequireClinicMember(p, StaffRoles.Integration, StaffRoles.Coordinator, StaffRoles.Clinician))
            .AddPolicy(Policies.StaffOrIntegration, p => RequireClinicMember(p, StaffRoles.Integration, StaffRoles.Coordinator, StaffRoles.Clinician, StaffRoles.Admin))
            .AddPolicy(Policies.Admin, p => RequireClinicMember(p, StaffRoles.Admin))
            .AddPolicy(Policies.Tablet, p => RequireClinicMember(p, StaffRoles.Tablet))
            .AddPolicy(Policies.StaffOrTablet, p => RequireClinicMember(p, StaffRoles.Coordinator, StaffRoles.Clinician, StaffRoles.Admin, StaffRoles.Tablet))
            .AddPolicy(Policies.TabletOrClinician, p => RequireClinicMember(p, StaffRoles.Tablet, StaffRoles.Clinician))
            .AddPolicy(Policies.TabletOrCareTeam, p => RequireClinicMember(p, StaffRoles.Tablet, StaffRoles.Coordinator, StaffRoles.Clinician))
            .SetDefaultPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireAssertion(HasClinicId).Build());
        return services;
    }

    // Every staff or system token must name its clinic: it is the tenant, and data never crosses it.
    private static void RequireClinicMember(AuthorizationPolicyBuilder policy, params string[] roles) =>
        policy.RequireAuthenticatedUser().RequireAssertion(HasClinicId).RequireRole(roles);

    // A clinic id is also the first part of its events' routing key and of its subscribers' broker permissions
    // (deploy/local/rabbitmq.sh): one with a dot or a wildcard would be unroutable, so such a token opens nothing.
    private static bool HasClinicId(AuthorizationHandlerContext context) =>
        context.User.FindFirst(StaffRoles.ClinicClaim)?.Value is { } clinic && ClinicIds.IsValid(clinic);

    private static void Configure(JwtBearerOptions jwt, AuthSettings auth)
    {
        // One handler, which remembers the tokens it validated (RememberedTokens says for how long and why that is safe).
        jwt.TokenHandlers.Clear();
        jwt.TokenHandlers.Add(new RememberedTokens());
        jwt.MapInboundClaims = false;
        // Nothing reads the bearer token back from the authentication properties: not copied there on every request.
        jwt.SaveToken = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidAudience = auth.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            RoleClaimType = auth.RoleClaim,
            NameClaimType = StaffRoles.SubjectClaim,
        };
        if (!string.Equals(auth.ClinicClaim, StaffRoles.ClinicClaim, StringComparison.Ordinal))
        {
            jwt.Events = new JwtBearerEvents { OnTokenValidated = ctx => CopyClinicClaim(ctx, auth.ClinicClaim) };
        }
        if (auth.IsOidc)
        {
            jwt.Authority = auth.Authority;
            jwt.Audience = auth.Audience;
            jwt.RequireHttpsMetadata = auth.RequireHttpsMetadata;
            jwt.TokenValidationParameters.ValidIssuer = auth.Authority!.TrimEnd('/');
            jwt.TokenValidationParameters.ValidIssuers = [auth.Authority.TrimEnd('/'), auth.Authority.TrimEnd('/') + "/"];
        }
        else
        {
            jwt.TokenValidationParameters.ValidIssuer = LocalTokens.Issuer;
            jwt.TokenValidationParameters.IssuerSigningKey = auth.LocalKey();
            jwt.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
    }

    // An authority may name the tenant claim differently; inside the service it is always "clinic".
    private static Task CopyClinicClaim(TokenValidatedContext context, string sourceClaim)
    {
        if (context.Principal?.Identity is System.Security.Claims.ClaimsIdentity identity
            && identity.FindFirst(sourceClaim) is { } clinic && !identity.HasClaim(c => c.Type == StaffRoles.ClinicClaim))
        {
            identity.AddClaim(new System.Security.Claims.Claim(StaffRoles.ClinicClaim, clinic.Value));
        }
        return Task.CompletedTask;
    }
}
