using OrleansFabric.Runtime;

namespace OrleansFabric.Client.Tests;

public sealed class CalculatorGrain : Grain, ICalculatorGrain
{
    public Task<int> DivideAsync(int dividend, int divisor) =>
        divisor == 0 ? throw new DivideByZeroException($"cannot divide {dividend} by zero") : Task.FromResult(dividend / divisor);

    public ValueTask<string> DescribeAsync(Shape shape, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult($"{GetPrimaryKeyString()}: {shape.Name} with perimeter {shape.Sides.Sum()}");
}
