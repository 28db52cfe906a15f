using Greetings;

var app = WebApplication.CreateSlimBuilder(args).Build();
app.MapGet("/", (string? name) => Results.Text(Greeter.Greet(name) + "\n"));
app.Run();
