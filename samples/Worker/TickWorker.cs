namespace Worker;

/// <summary>Logs a tick every few seconds; TICKS (if set) ends the process after that many, for tests and demos.</summary>
public sealed class TickWorker(ILogger<TickWorker> logger, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var limit = int.TryParse(Environment.GetEnvironmentVariable("TICKS"), out var n) ? n : int.MaxValue;
        var interval = TimeSpan.FromMilliseconds(int.TryParse(Environment.GetEnvironmentVariable("TICK_MS"), out var ms) ? ms : 2000);
        for (var i = 1; i <= limit && !stoppingToken.IsCancellationRequested; i++)
        {
            logger.LogInformation("tick {Tick}", i);
            await Task.Delay(interval, stoppingToken);
        }

        lifetime.StopApplication();
    }
}
