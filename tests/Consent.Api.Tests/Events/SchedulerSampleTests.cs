using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Tests.Support;
using Consent.Contracts;
using Consent.SchedulerSample;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Events;

/// <summary>The sample scheduler, as its own host on real RabbitMQ and PostgreSQL, against the real service.</summary>
public sealed class SchedulerSampleTests : IAsyncLifetime
{
    private readonly ApiFactory _service = new(new Dictionary<string, string?> { ["Gate:Subscribers:0"] = "scheduler" });
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private WebApplication _scheduler = null!;
    private HttpClient _bookings = null!;
    private ConsentDriver _driver = null!;

    public async Task InitializeAsync()
    {
        _driver = new ConsentDriver(_service);
        _scheduler = SchedulerApp.Build(
        [
            "--urls=http://127.0.0.1:0",
            "--ConnectionStrings:Postgres=" + TestInfrastructure.Postgres,
            "--Amqp:Uri=" + TestInfrastructure.Amqp,
            "--Scheduler:Clinic=" + _driver.Clinic,
            "--Scheduler:Queue=scheduler-sample-" + _suffix,
            "--Scheduler:Schema=scheduler_" + _suffix,
            "--Consent:BaseUrl=http://localhost",
            "--Consent:Token=" + _service.Token("integration", _driver.Clinic),
            "--Logging:LogLevel:Default=Warning",
        ], services => services.AddHttpClient<GateConfirmations>().ConfigurePrimaryHttpMessageHandler(() => _service.Server.CreateHandler()));
        await _scheduler.StartAsync();
        (await _scheduler.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30))).ShouldBe(BusHealthStatus.Healthy);
        var address = _scheduler.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _bookings = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async Task DisposeAsync()
    {
        _bookings.Dispose();
        await _scheduler.StopAsync();
        await _scheduler.DisposeAsync();
        await _service.DisposeAsync();
    }

    private Task<HttpResponseMessage> Book(DateTimeOffset at) =>
        _bookings.PostAsJsonAsync("/bookings", new { patientId = "P-SCHED", procedureCode = "MSC-1", at });

    private static async Task<T> Eventually<T>(Func<Task<T>> probe, Func<T, bool> done)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        var value = await probe();
        while (!done(value) && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
            value = await probe();
        }
        return value;
    }

    [Fact]
    public async Task The_scheduler_refuses_without_consent_books_once_allowed_and_cancels_the_booking_after_a_withdrawal()
    {
        var slot = DateTimeOffset.UtcNow.AddDays(3);
        var refused = await Book(slot);
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString().ShouldBe("no_consent");

        var (id, tablet, _) = await _driver.Start("lumbar-puncture", patientId: "P-SCHED");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        var booked = await Eventually(() => Book(slot), r => r.StatusCode == HttpStatusCode.Created);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created);
        var booking = await booked.Content.ReadFromJsonAsync<JsonElement>();
        (await Book(DateTimeOffset.UtcNow.AddDays(400))).StatusCode.ShouldBe(HttpStatusCode.Conflict, "a slot after the consent's validity is refused");

        (await _driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).EnsureSuccessStatusCode();
        var cancelled = await Eventually(() => _bookings.GetFromJsonAsync<JsonElement>($"/bookings/{booking.GetProperty("id").GetString()}"),
            b => b.GetProperty("status").GetString() == "cancelled");
        cancelled.GetProperty("status").GetString().ShouldBe("cancelled");
        cancelled.GetProperty("cancelReason").GetString().ShouldBe("consent_withdrawn");
        (await Book(slot)).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        var acks = await Eventually(() => _driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/acks"),
            a => a.GetProperty("withdrawalConfirmed").GetBoolean());
        acks.GetProperty("withdrawalConfirmed").GetBoolean().ShouldBeTrue("the scheduler confirmed the withdrawal it applied");
    }

    [Fact]
    public async Task The_scheduler_applies_a_message_once_and_ignores_one_older_than_what_it_holds()
    {
        var store = _scheduler.Services.GetRequiredService<SchedulerStore>();
        var now = DateTimeOffset.UtcNow;
        SchedulingGateChanged Change(long sequence, bool allowed, string reason) =>
            new(Guid.NewGuid().ToString(), "cns_x", _driver.Clinic, "P-DEDUPE", "MSC-1", now, allowed, reason, now, now.AddDays(30), sequence);
        var first = Guid.NewGuid();
        (await store.ApplyAsync(first, Change(10, true, "granted"), CancellationToken.None)).ShouldBe(0);
        (await store.ApplyAsync(first, Change(10, true, "granted"), CancellationToken.None)).ShouldBeNull("the same message id is applied once");
        await store.ApplyAsync(Guid.NewGuid(), Change(12, false, "withdrawn"), CancellationToken.None);
        await store.ApplyAsync(Guid.NewGuid(), Change(11, true, "granted"), CancellationToken.None);
        (await store.GateAsync("P-DEDUPE", "MSC-1", CancellationToken.None))!.Reason.ShouldBe("withdrawn", "a late, older message never reopens the gate");
    }
}
