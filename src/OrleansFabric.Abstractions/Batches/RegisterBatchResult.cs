namespace OrleansFabric.Batches;

/// <summary>The outcome of registering a batch.</summary>
[GenerateSerializer]
[Alias("register-batch-result")]
public enum RegisterBatchResult
{
    /// <summary>The batch was created (HTTP 201).</summary>
    Created,

    /// <summary>The same definition was already registered (HTTP 200).</summary>
    Unchanged,

    /// <summary>The batch exists with another definition (HTTP 409 batch_conflict); nothing changed.</summary>
    Conflict,
}
