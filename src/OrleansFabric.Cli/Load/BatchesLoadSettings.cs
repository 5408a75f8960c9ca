namespace OrleansFabric.Cli.Load;

/// <summary>The options of <c>fabric load batches</c>.</summary>
/// <param name="Batches">How many batches to register.</param>
/// <param name="Slots">Slots (expected essays) of each batch.</param>
/// <param name="Duplicates">Extra posts of already listed content, as a fraction of each batch's distinct content.</param>
/// <param name="Extra">Distinct content per batch beyond its slots: each must be refused.</param>
/// <param name="Concurrency">Requests in flight.</param>
/// <param name="Duration">At most this long sending.</param>
internal sealed record BatchesLoadSettings(int Batches, int Slots, double Duplicates, int Extra, int Concurrency, TimeSpan Duration);
