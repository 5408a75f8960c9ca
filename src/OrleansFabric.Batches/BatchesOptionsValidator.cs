using Microsoft.Extensions.Options;

namespace OrleansFabric.Batches;

/// <summary>Checks the batch settings at start-up, naming the key of each bad value.</summary>
internal sealed class BatchesOptionsValidator : IValidateOptions<BatchesOptions>
{
    public ValidateOptionsResult Validate(string? name, BatchesOptions options)
    {
        var failures = new List<string>();
        options.Delivery.Validate($"{BatchesOptions.Section}:Delivery", failures);
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
