var builder = WebApplication.CreateSlimBuilder(args);
var app = builder.Build();

app.MapGet("/", () => Results.Text("Hello from Containerize!\n"));
app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
app.MapGet("/info", () => Results.Ok(new
{
    user = Environment.UserName,
    uid = Environment.GetEnvironmentVariable("APP_UID"),
    inContainer = Environment.GetEnvironmentVariable("DOTNET_RUNNING_IN_CONTAINER") == "true",
    workingDirectory = Environment.CurrentDirectory,
}));

app.Run();
