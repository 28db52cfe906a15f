using System.Runtime.InteropServices;
using Humanizer;

var inContainer = Environment.GetEnvironmentVariable("DOTNET_RUNNING_IN_CONTAINER") == "true";
Console.WriteLine($"Hello from {(inContainer ? "a container" : "the host")}!");
Console.WriteLine($"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})");
Console.WriteLine($"Running as uid {Environment.GetEnvironmentVariable("APP_UID") ?? "?"}, user '{Environment.UserName}', in {Environment.CurrentDirectory}");
Console.WriteLine($"Started {DateTime.UtcNow.AddSeconds(-Environment.TickCount64 / 1000.0).Humanize()} (machine start).");
foreach (var arg in args) Console.WriteLine($"arg: {arg}");
