using OrleansFabric.Cli.Display;

namespace OrleansFabric.Cli.Load;

/// <summary>Writes a <see cref="LoadSummary"/> as tables for people.</summary>
internal static class SummaryWriter
{
    public static void Write(TextWriter output, LoadSummary summary)
    {
        output.WriteLine($"fabric load {summary.Kind}: {(summary.Completed ? "completed" : "interrupted, partial results")} in {Format.Decimal(summary.ElapsedSeconds, 2)} s");
        output.WriteLine();
        var table = new TextTable("OPERATION", "REQUESTS", "OK", "RATE/S", "P50 MS", "P90 MS", "P99 MS", "MAX MS");
        foreach (var operation in summary.Operations)
        {
            table.Add(
                operation.Name,
                Format.Number(operation.Requests),
                Format.Number(operation.Ok),
                Format.Decimal(operation.ThroughputPerSecond),
                Format.Decimal(operation.LatencyMs.P50, 2),
                Format.Decimal(operation.LatencyMs.P90, 2),
                Format.Decimal(operation.LatencyMs.P99, 2),
                Format.Decimal(operation.LatencyMs.Max, 2));
        }

        table.WriteTo(output);
        output.WriteLine();
        if (summary.Errors.Count == 0)
        {
            output.WriteLine("Errors: none");
        }
        else
        {
            output.WriteLine($"Errors: {Format.Number(summary.ErrorsTotal)}");
            var errors = new TextTable("ERROR", "COUNT");
            foreach (var (code, count) in summary.Errors)
            {
                errors.Add(code, Format.Number(count));
            }

            errors.WriteTo(output);
        }

        if (summary.Sessions is { } sessions)
        {
            output.WriteLine($"Sessions: {Format.Number(sessions.Sessions)}; messages {Format.Number(sessions.Accepted)} accepted, {Format.Number(sessions.Duplicates)} duplicate; " +
                $"answered {Format.Number(sessions.Answered)} in {Format.Number(sessions.SessionsAnswered)} session(s), {Format.Number(sessions.Unanswered)} unanswered");
        }

        if (summary.Batches is { } batches)
        {
            output.WriteLine($"Batches: {Format.Number(batches.Batches)} x {Format.Number(batches.SlotsPerBatch)} slots; {Format.Number(batches.AssignedSlots)} slots assigned; " +
                $"content posts {Format.Number(batches.ContentSent)} ({Format.Number(batches.DuplicatesSent)} duplicates), {Format.Number(batches.AlreadyAssigned)} already_assigned, {Format.Number(batches.Refusals)} refused");
        }

        output.WriteLine(summary.InvariantViolations.Count == 0
            ? "Invariant violations: none"
            : $"Invariant violations: {Format.Number(summary.InvariantViolations.Count)}");
        foreach (var violation in summary.InvariantViolations.Take(20))
        {
            output.WriteLine("  " + violation);
        }
    }
}
