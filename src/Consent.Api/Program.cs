using Consent.Api.Auth;
using Consent.Api.Consents;
using Consent.Api.Health;
using Consent.Api.Hosting;
using Consent.Api.Workflows;

var builder = WebApplication.CreateBuilder(args);
builder.AddConsentHosting();
builder.Services.AddConsentAuth();
builder.Services.AddConsentHealth();
builder.Services.AddWorkflowCatalog();
builder.Services.AddConsents();

var app = builder.Build();
app.UseConsentHosting();
app.MapHealthApi();
app.MapIdentityApi();
app.MapWorkflowsApi();
app.MapConsentsApi();

app.Run();

/// <summary>Entry point, visible to the test host.</summary>
public partial class Program;
