using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Consent.Api.Hosting;

/// <summary>
/// While the database is away (a failover cuts every connection; the new primary takes seconds to be elected), a
/// request that needed it gets 503 with Retry-After and a problem saying to send it again with the same
/// Idempotency-Key, instead of a 500 that reads as a fault in the request. Whether it was stored or not, the retry
/// then gives the first answer: the idempotency record is written in the same transaction as the events.
/// </summary>
public static class DatabaseOutage
{
    public const int RetryAfterSeconds = 2;

    public static IServiceCollection AddDatabaseOutageAnswers(this IServiceCollection services) =>
        services.AddExceptionHandler<DatabaseOutageHandler>();

    /// <summary>
    /// An error of the connection rather than of the statement: Npgsql's transient errors (connection refused or cut,
    /// the server shutting down), or a database call that timed out or was cancelled while the caller still waited.
    /// </summary>
    public static bool IsOutage(Exception exception, bool callerGone)
    {
        if (callerGone) return false;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException { IsTransient: true } or TimeoutException or DatabaseConnectionLostException) return true;
            // Marten's retry policy and Npgsql's connect cancel with these when the connection does not come.
            if (e is OperationCanceledException) return true;
        }
        return false;
    }

    private sealed class DatabaseOutageHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (!IsOutage(exception, httpContext.RequestAborted.IsCancellationRequested)) return false;
            httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails =
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = "The service's database is unavailable for a moment.",
                    Detail = $"Send the same request again in {RetryAfterSeconds} s with the same Idempotency-Key: it is applied once, and if it was already applied you get its first answer.",
                },
            });
        }
    }
}

/// <summary>
/// A connection a request owned broke under it (the server went away, or the pool lent a connection a cut had already
/// closed): the first error may be hidden behind what followed on the dead connection (Marten's retry then finds its
/// transaction completed), so the owner says plainly that the connection was lost.
/// </summary>
public sealed class DatabaseConnectionLostException(Exception cause) : Exception("The database connection broke during the request.", cause);

