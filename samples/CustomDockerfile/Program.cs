// Prints the file the Dockerfile's RUN prepared: proof that the image came from this project's own Dockerfile.
var path = Path.Combine(AppContext.BaseDirectory, "data", "prepared.txt");
Console.WriteLine(File.Exists(path) ? File.ReadAllText(path).Trim() : "no prepared file: not built from the project's Dockerfile");
