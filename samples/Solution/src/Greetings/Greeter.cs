namespace Greetings;

public static class Greeter
{
    public static string Greet(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "Hello, stranger!" : $"Hello, {name.Trim()}!";
}
