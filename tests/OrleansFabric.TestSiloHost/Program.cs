using OrleansFabric;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Silo.Hosting;
using OrleansFabric.TestSiloHost;

// The real silo with one test grain and two test endpoints that call it through the silo's
// own grain factory, so a call made to any silo is routed to the grain's owner.
var app = SiloApplication.Build(args, builder => builder.Services.AddGrain<ILedgerGrain, LedgerGrain>());
app.MapPost("/test/ledgers/{key}/{operationId}", async (string key, string operationId, IGrainFactory grains, CancellationToken cancellationToken) =>
    Results.Ok(await grains.GetGrain<ILedgerGrain>(key).ApplyAsync(operationId, cancellationToken)));
app.MapPost("/test/ledgers/{key}/{operationId}/slowly/{delayMs:int}", async (string key, string operationId, int delayMs, IGrainFactory grains, CancellationToken cancellationToken) =>
    Results.Ok(await grains.GetGrain<ILedgerGrain>(key).ApplySlowlyAsync(operationId, delayMs, cancellationToken)));
app.MapPost("/test/ledgers/{key}/remind/{name}/{seconds:int}", async (string key, string name, int seconds, IGrainFactory grains, CancellationToken cancellationToken) =>
{
    await grains.GetGrain<ILedgerGrain>(key).RemindAsync(name, seconds, cancellationToken);
    return Results.Ok();
});
app.MapGet("/test/ledgers/{key}", async (string key, IGrainFactory grains, CancellationToken cancellationToken) =>
    Results.Ok(await grains.GetGrain<ILedgerGrain>(key).GetOperationsAsync(cancellationToken)));
await app.RunAsync();
