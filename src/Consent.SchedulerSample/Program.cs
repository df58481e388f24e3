namespace Consent.SchedulerSample;

// A sample downstream scheduler: it keeps its own table of which (patient, procedure) may be booked, fed by the
// Consent service's SchedulingGateChanged events, refuses bookings the gate does not allow, cancels bookings when
// a consent is withdrawn, and confirms every gate change it applied. See README.md beside this file.
// (An explicit entry point: a top-level one would be a public "Program" clashing with the service's in tests.)
internal static class SchedulerProgram
{
    public static Task Main(string[] args) => SchedulerApp.Build(args).RunAsync();
}
