using Greetings;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Greetings.Tests;

[TestClass]
public sealed class GreeterTests
{
    [TestMethod]
    public void GreetsByName() => Assert.AreEqual("Hello, Ada!", Greeter.Greet(" Ada "));

    [TestMethod]
    public void GreetsStrangers() => Assert.AreEqual("Hello, stranger!", Greeter.Greet(null));
}
