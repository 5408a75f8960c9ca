namespace OrleansFabric.Client.Tests;

public interface ICalculatorGrain : IGrainWithStringKey
{
    Task<int> DivideAsync(int dividend, int divisor);

    ValueTask<string> DescribeAsync(Shape shape, CancellationToken cancellationToken = default);
}

public sealed record Shape(string Name, IReadOnlyList<double> Sides);
