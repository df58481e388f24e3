using System.Threading.RateLimiting;
using Consent.Api.Auth;
using Microsoft.AspNetCore.RateLimiting;

namespace Consent.Api.Hosting;

/// <summary>
/// A token bucket per caller (the token's subject, else the client address), so one runaway tablet or
/// integration cannot starve the clinic. Over the limit: 429 as problem+json with Retry-After.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddConsentRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var caller = http.User.FindFirst(StaffRoles.SubjectClaim)?.Value is { } sub
                    ? $"{http.User.FindFirst(StaffRoles.ClinicClaim)?.Value}|{sub}"
                    : "ip:" + http.Connection.RemoteIpAddress;
                // The settings are read when a caller's bucket is made, not on every request: the configuration binder
                // (a type converter per value) was in every request's profile.
                return RateLimitPartition.GetTokenBucketLimiter(caller, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = configuration.GetValue("RateLimiting:Burst", 100),
                    TokensPerPeriod = configuration.GetValue("RateLimiting:PermitsPerSecond", 50),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            options.OnRejected = async (context, ct) =>
            {
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.HttpContext.Response.Headers.RetryAfter = "1";
                await Problems.Field(StatusCodes.Status429TooManyRequests, "Authorization", "Too many requests from this caller; wait a second and retry.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }
}
