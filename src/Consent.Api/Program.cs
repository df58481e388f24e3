using Consent.Api.Auditing;
using Consent.Api.Auth;
using Consent.Api.ClinicMoves;
using Consent.Api.Clinics;
using Consent.Api.Consents;
using Consent.Api.Consents.Storage;
using Consent.Api.Dashboard;
using Consent.Api.Dashboard.Email;
using Consent.Api.Gate;
using Consent.Api.Health;
using Consent.Api.Messaging;
using Consent.Api.Observability;
using Consent.Api.Signing;
using Consent.Api.Hosting;
using Consent.Api.Records;
using Consent.Api.Tablet;
using Consent.Api.Workflows;

var builder = WebApplication.CreateBuilder(args);
var migrating = builder.IsMigrateCommand(args);
builder.AddConsentHosting();
var moving = builder.IsMoveClinicCommand(args);
builder.AddConsentTelemetry();
builder.AddTransportSecurity();
builder.Services.AddConsentAuth();
builder.Services.AddClaimTextChecks();
builder.Services.AddConsentHealth();
builder.Services.AddWorkflowCatalog();
builder.Services.AddClinics();
builder.Services.AddConsents();
builder.Services.AddAuditing();
builder.Services.AddGate();
builder.Services.AddConsentDataProtection();
builder.Services.AddDatabaseOutageAnswers();
builder.Services.AddConsentSigning();
builder.Services.AddConsentMessaging(builder.Configuration);
builder.Services.AddTabletUi();
builder.Services.AddDashboard();
builder.Services.AddStaffEmail();
builder.Services.AddRecords();

var app = builder.Build();
if (migrating)
{
    await app.MigrateAsync();
    return;
}
if (moving is not null)
{
    Environment.ExitCode = await app.MoveClinicAsync(moving);
    return;
}
app.UseTransportSecurity();
app.UseConsentHosting();
app.UseTextInputChecks();
app.MapHealthApi();
app.MapConsentTelemetry();
app.MapSigningKeys();
app.MapIdentityApi();
app.MapWorkflowsApi();
app.MapConsentsApi();
app.MapGateApi();
app.MapRecordsApi();
app.UseDashboard();
app.UseTabletUi();

app.Run();

/// <summary>Entry point, visible to the test host.</summary>
public partial class Program;
