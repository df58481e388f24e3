using System.Text.RegularExpressions;

namespace Consent.SchedulerSample;

public sealed record BookingRequest(string? PatientId, string? ProcedureCode, DateTimeOffset? At);

public static partial class Bookings
{
    public static void MapBookings(this IEndpointRouteBuilder app)
    {
        app.MapPost("/bookings", async (BookingRequest request, SchedulerStore store, CancellationToken ct) =>
        {
            if (request.PatientId is null || !Id().IsMatch(request.PatientId)) return Invalid("patientId");
            if (request.ProcedureCode is null || !Id().IsMatch(request.ProcedureCode)) return Invalid("procedureCode");
            if (request.At is not { } at) return Invalid("at");
            var (booking, refusal) = await store.BookAsync(request.PatientId, request.ProcedureCode, at, ct);
            return booking is not null
                ? Results.Created($"/bookings/{booking.Id}", booking)
                : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The consent gate does not allow this booking.",
                    detail: $"Refused: {refusal}.", extensions: new Dictionary<string, object?> { ["reason"] = refusal });
        });
        app.MapGet("/bookings/{id:guid}", async (Guid id, SchedulerStore store, CancellationToken ct) =>
            await store.FindAsync(id, ct) is { } booking ? Results.Ok(booking) : Results.NotFound());
    }

    private static IResult Invalid(string field) => Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [$"{field} is missing or not valid."] });

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex Id();
}
