using Worker;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddHostedService<TickWorker>();
builder.Build().Run();
