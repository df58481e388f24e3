using Consent.Api.Auth;
using Consent.Api.Health;
using Consent.Api.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddConsentHosting();
builder.Services.AddConsentAuth();
builder.Services.AddConsentHealth();

var app = builder.Build();
app.UseConsentHosting();
app.MapHealthApi();
app.MapIdentityApi();

app.Run();

/// <summary>Entry point, visible to the test host.</summary>
public partial class Program;
