namespace OrleansFabric.Batches;

/// <summary>The outcome of recording a validation failure.</summary>
[GenerateSerializer]
[Alias("validation-failure-result")]
public enum ValidationFailureResult
{
    /// <summary>Recorded: the batch waits for one essay fewer.</summary>
    Recorded,

    /// <summary>The same failure id was recorded before; nothing changed.</summary>
    Duplicate,

    /// <summary>The batch completed or timed out; HTTP 409 batch_closed.</summary>
    BatchClosed,

    /// <summary>The batch was never registered; HTTP 404 batch_not_found.</summary>
    BatchNotFound,
}
