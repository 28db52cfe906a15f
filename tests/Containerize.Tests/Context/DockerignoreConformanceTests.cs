using System.Text.Json;
using Containerize.Core.Context;
using Containerize.Core.Diagnostics;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Context;

/// <summary>
/// ../shared/conformance/dockerignore: every case is its own test result, named after the method and the case.
/// </summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DockerignoreConformanceTests
{
    private const string Folder = "dockerignore";

    public TestContext TestContext { get; set; } = null!;

    private static JsonElement[] Load(string file)
    {
        var path = RepoPaths.ConformanceOrNull($"{Folder}/{file}");
        if (path is null) return [];
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    private static JsonElement Case(string file, int index)
    {
        var path = RepoPaths.Conformance($"{Folder}/{file}");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement[index].Clone();
    }

    private static IEnumerable<TestDataRow<int>> Rows(string file, string method, Func<JsonElement, string> describe)
    {
        var cases = Load(file);
        if (cases.Length == 0)
        {
            // The corpus is missing: one row that reports it (Inconclusive, or a failure under CI=true).
            yield return new TestDataRow<int>(-1) { DisplayName = $"{method} (corpus missing)" };
            yield break;
        }

        for (var i = 0; i < cases.Length; i++)
        {
            yield return new TestDataRow<int>(i) { DisplayName = $"{method} ({i}: {describe(cases[i])})" };
        }
    }

    private static string[] Strings(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetString()!).ToArray() : [];

    private static bool Bool(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    // ---------------------------------------------------------------- patterns.json

    public static IEnumerable<TestDataRow<int>> PatternCases() =>
        Rows("patterns.json", nameof(Conformance_Patterns), c => $"{string.Join(' ', Strings(c, "patterns"))} vs {c.GetProperty("path").GetString()}");

    [TestMethod]
    [DynamicData(nameof(PatternCases))]
    public void Conformance_Patterns(int index)
    {
        var c = Case("patterns.json", index);
        var patterns = Strings(c, "patterns");
        var path = c.GetProperty("path").GetString()!;
        var expected = c.GetProperty("match").GetBoolean();
        var apis = Strings(c, "api");
        Assert.IsNotEmpty(apis);
        foreach (var api in apis)
        {
            if (Bool(c, "error"))
            {
                if (Bool(c, "new_succeeds"))
                {
                    var m = PatternMatcher.Create(patterns);
                    for (var call = 0; call < 2; call++)
                    {
                        var e = Assert.ThrowsExactly<ContainerizeException>(() => Run(api, m, path));
                        Assert.AreEqual(ContextErrors.InvalidPattern, e.Code);
                    }
                }
                else
                {
                    var e = Assert.ThrowsExactly<ContainerizeException>(() => Run(api, PatternMatcher.Create(patterns), path), $"{api} must fail");
                    Assert.AreEqual(ContextErrors.InvalidPattern, e.Code);
                }

                continue;
            }

            Assert.AreEqual(expected, Run(api, PatternMatcher.Create(patterns), path), $"{api}: [{string.Join(", ", patterns)}] vs {path}");
        }
    }

    private static bool Run(string api, PatternMatcher m, string path)
    {
        var file = GoPath.Clean(path);
        switch (api)
        {
            case "Matches":
                return file != "." && m.MatchesDeprecated(file);
            case "MatchesOrParentMatches":
                return file != "." && m.MatchesOrParentMatches(file);
            case "MatchesUsingParentResultsNoContext":
                return m.MatchUsingParentResults(path, null, new bool[m.Patterns.Count]).Matched;
            case "MatchesUsingParentResults":
            {
                bool[]? parent = null;
                var parentPath = GoPath.Dir(path);
                if (parentPath != ".")
                {
                    var dirs = parentPath.Split('/');
                    for (var i = 0; i < dirs.Length; i++)
                    {
                        var results = new bool[m.Patterns.Count];
                        m.MatchUsingParentResults(string.Join('/', dirs, 0, i + 1), parent, results);
                        parent = results;
                    }
                }

                return m.MatchUsingParentResults(path, parent, new bool[m.Patterns.Count]).Matched;
            }

            case "MatchesUsingParentResult":
            {
                var matched = false;
                var parentPath = GoPath.Dir(path);
                if (parentPath != ".")
                {
                    var dirs = parentPath.Split('/');
                    for (var i = 0; i < dirs.Length; i++) matched = m.MatchesUsingParentResultDeprecated(string.Join('/', dirs, 0, i + 1), matched);
                }

                return m.MatchesUsingParentResultDeprecated(path, matched);
            }

            default:
                Assert.Fail("unknown api " + api);
                return false;
        }
    }

    // ---------------------------------------------------------------- ignorefile.json

    public static IEnumerable<TestDataRow<int>> IgnoreFileCases() =>
        Rows("ignorefile.json", nameof(Conformance_IgnoreFile), c => c.GetProperty("input").ValueKind == JsonValueKind.Null ? "no file" : $"{Strings(c, "patterns").Length} patterns");

    [TestMethod]
    [DynamicData(nameof(IgnoreFileCases))]
    public void Conformance_IgnoreFile(int index)
    {
        var c = Case("ignorefile.json", index);
        var input = c.GetProperty("input");
        var lines = IgnoreFile.Parse(input.ValueKind == JsonValueKind.Null ? null : input.GetString());
        CollectionAssert.AreEqual(Strings(c, "patterns"), lines.Select(l => l.Pattern).ToArray());
    }

    // ---------------------------------------------------------------- compile.json

    public static IEnumerable<TestDataRow<int>> CompileCases() =>
        Rows("compile.json", nameof(Conformance_Compile), c => c.GetProperty("pattern").GetString()!);

    [TestMethod]
    [DynamicData(nameof(CompileCases))]
    public void Conformance_Compile(int index)
    {
        var c = Case("compile.json", index);
        var pattern = PatternMatcher.Create([c.GetProperty("pattern").GetString()!]).Patterns.Single();
        var expectedKind = c.GetProperty("matchType").GetString() switch
        {
            "exactMatch" => PatternKind.Exact,
            "prefixMatch" => PatternKind.Prefix,
            "suffixMatch" => PatternKind.Suffix,
            _ => PatternKind.Regex,
        };
        Assert.AreEqual(expectedKind, pattern.Kind);
        Assert.AreEqual(c.GetProperty("regexp").GetString(), pattern.GoRegex);
        var windows = IgnorePattern.Compile(pattern.Cleaned.Replace('/', '\\'), '\\');
        Assert.AreEqual(c.GetProperty("windowsRegexp").GetString(), windows.GoRegex);
    }

    // ---------------------------------------------------------------- walker.json

    public static IEnumerable<TestDataRow<int>> WalkerCases() =>
        Rows("walker.json", nameof(Conformance_Walker), c => c.GetProperty("name").GetString()!);

    [TestMethod]
    [DynamicData(nameof(WalkerCases))]
    public async Task Conformance_Walker(int index)
    {
        var c = Case("walker.json", index);
        using var dir = new TempDir("ctz-walk");
        foreach (var f in Strings(c, "files"))
        {
            if (f.EndsWith('/')) Directory.CreateDirectory(dir.Combine(f.TrimEnd('/')));
            else dir.Write(f, "");
        }

        var includes = Strings(c, "includes");
        var excludes = Strings(c, "excludes");
        var expectError = Bool(c, "error");
        var expected = c.TryGetProperty("expected", out var ex) && ex.ValueKind == JsonValueKind.Array ? ex.EnumerateArray().Select(x => x.GetString()!).ToArray() : null;

        if (Strings(c, "unreadable") is { Length: > 0 } unreadable)
        {
            foreach (var u in unreadable) File.SetUnixFileMode(dir.Combine(u.TrimEnd('/')), UnixFileMode.None);
            try
            {
                await WalkAsNonRootAsync(dir.Path, includes, excludes, expectError, c.TryGetProperty("error_contains", out var ec) ? ec.GetString() : null, expected);
            }
            finally
            {
                foreach (var u in unreadable) File.SetUnixFileMode(dir.Combine(u.TrimEnd('/')), (UnixFileMode)Convert.ToInt32("755", 8));
            }

            return;
        }

        ContextFilter Filter()
        {
            if (c.TryGetProperty("filters", out var layers))
            {
                return new ContextFilter(layers.EnumerateArray().Select(l => new FilterLayer(PatternMatcher.Create(Strings(l, "excludes")))).ToArray());
            }

            return new ContextFilter(excludes.Length > 0 ? PatternMatcher.Create(excludes) : null, includes.Length > 0 ? PatternMatcher.Create(includes) : null);
        }

        if (expectError)
        {
            var e = Assert.ThrowsExactly<ContainerizeException>(() => new ContextWalker(dir.Path, Filter()).List());
            Assert.AreEqual(ContextErrors.InvalidPattern, e.Code);
            return;
        }

        var filter = Filter();
        if (expected is not null)
        {
            var seen = new List<string>();
            var skipAll = c.TryGetProperty("callback", out var cb) && cb.GetString() == "skipdir";
            new ContextWalker(dir.Path, filter).Walk(e =>
            {
                seen.Add(e.IsDirectory ? e.Path + "/" : e.Path);
                return skipAll ? WalkAction.SkipDir : WalkAction.Continue;
            });
            CollectionAssert.AreEqual(expected, seen, "walk: " + string.Join(", ", seen));
        }

        if (c.TryGetProperty("open", out var open))
        {
            foreach (var p in open.EnumerateObject())
            {
                Assert.AreEqual(p.Value.GetBoolean(), filter.Allows(p.Name), "open " + p.Name);
            }
        }
    }

    // Root reads every folder, so the unreadable-folder cases run the CLI's walk as 'nobody'.
    private async Task WalkAsNonRootAsync(string root, string[] includes, string[] excludes, bool expectError, string? errorContains, string[]? expected)
    {
        var args = new List<string>();
        if (Requirements.IsRoot)
        {
            var setpriv = Requirements.Tool("setpriv");
            args.AddRange([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]);
            for (var d = new DirectoryInfo(root); d is not null && d.FullName != Path.GetTempPath().TrimEnd('/'); d = d.Parent)
            {
                File.SetUnixFileMode(d.FullName, File.GetUnixFileMode(d.FullName) | UnixFileMode.OtherExecute | UnixFileMode.OtherRead);
            }
        }

        var cliDll = typeof(Containerize.Cli.CliApp).Assembly.Location;
        args.AddRange(["/usr/bin/dotnet", cliDll, "context", "walk"]);
        foreach (var i in includes) args.AddRange(["--include", i]);
        foreach (var e in excludes) args.AddRange(["--exclude", e]);
        args.Add(root);
        var env = new Dictionary<string, string?> { ["HOME"] = "/tmp", ["DOTNET_CLI_HOME"] = "/tmp", ["DOTNET_NOLOGO"] = "1" };
        var r = await ProcessRunner.RunAsync(args[0], args.Skip(1), workingDirectory: "/", environment: env, timeout: TimeSpan.FromMinutes(1));
        TestContext.WriteLine($"exit {r.ExitCode}\n{r.StdOut}\n{r.StdErr}");
        if (expectError)
        {
            Assert.AreEqual(1, r.ExitCode, r.StdErr);
            StringAssert.Contains(r.StdErr, ContextErrors.Unreadable);
            if (errorContains is not null) StringAssert.Contains(r.StdErr, errorContains);
            return;
        }

        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        CollectionAssert.AreEqual(expected, r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    // ---------------------------------------------------------------- context.json

    public static IEnumerable<TestDataRow<int>> ContextCases() =>
        Rows("context.json", nameof(Conformance_Context), c => c.GetProperty("name").GetString()!);

    [TestMethod]
    [DynamicData(nameof(ContextCases))]
    public async Task Conformance_Context(int index)
    {
        var c = Case("context.json", index);
        using var dir = new TempDir("ctz-ctx");
        foreach (var f in c.GetProperty("files").EnumerateObject()) dir.Write(f.Name, f.Value.GetString()!);
        var dockerfile = dir.Combine(c.GetProperty("dockerfile").GetString()!);
        var ct = CancellationToken.None;
        if (Bool(c, "error"))
        {
            var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => BuildContext.OpenAsync(dir.Path, dockerfile, ct));
            Assert.AreEqual(ContextErrors.InvalidPattern, e.Code);
            Assert.AreEqual(1, e.Diagnostic.Line);
            return;
        }

        var context = await BuildContext.OpenAsync(dir.Path, dockerfile, ct);
        if (c.GetProperty("builder").GetString() == "buildkit")
        {
            var listed = context.List(null, ct).Where(e => !e.IsDirectory).ToDictionary(e => e.Path, e => File.ReadAllText(e.FullPath));
            foreach (var p in c.GetProperty("expected_present").EnumerateObject())
            {
                Assert.IsTrue(listed.TryGetValue(p.Name, out var content), $"{p.Name} must be in the context");
                Assert.AreEqual(p.Value.GetString(), content);
            }

            foreach (var absent in Strings(c, "expected_absent")) Assert.IsFalse(listed.ContainsKey(absent), $"{absent} must not be in the context");
            return;
        }

        // Classic: the docker client always sends Dockerfile and .dockerignore; the daemon then deletes those the
        // ignore file matches. Check what our client-side tar carries, then apply the daemon's rule.
        var sent = context.ForDockerClient().List(null, ct).Select(e => e.Path).ToList();
        CollectionAssert.Contains(sent, "Dockerfile");
        if (File.Exists(dir.Combine(".dockerignore"))) CollectionAssert.Contains(sent, ".dockerignore");
        var remaining = sent.Where(p => !(p is "Dockerfile" or ".dockerignore") || !context.Excludes.MatchesOrParentMatches(p)).ToArray();
        CollectionAssert.AreEqual(Strings(c, "expected_remaining"), remaining);
    }
}
