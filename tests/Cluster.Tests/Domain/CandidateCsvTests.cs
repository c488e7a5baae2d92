using CsvHelper;
using NasNet.Client.Cluster;

namespace NasNet.Cluster.Tests.Domain;

/// <summary>candidates.csv is RFC 4180 for any field: commas, quotes and line breaks in a failure reason included.</summary>
public sealed class CandidateCsvTests
{
    private static CandidateView View(int number, string? reason, TrainingReport? result = null) => new(
        $"c/{number}", "c", number, $"hash{number}", "{}", CandidateStatus.Failed, 3, null, result, null, 0, reason, 2, 0, []);

    private static string Csv(params CandidateView[] views)
    {
        using var writer = new StringWriter();
        CampaignViews.WriteCandidatesCsv(writer, views);
        return writer.ToString();
    }

    [Fact]
    public void Reason_WithCommaQuoteAndNewline_IsQuotedWithDoubledQuotes()
    {
        var csv = Csv(View(1, "bad input, \"x\" rejected\nsecond line"), View(2, "plain"));
        var lines = csv.Split("\r\n");
        Assert.Equal(string.Join(',', CampaignViews.CandidateCsvColumns), lines[0]);
        // RFC 4180 §2.6-2.7: the field is enclosed in quotes, its quotes doubled, the line break kept inside the quotes
        Assert.EndsWith(",\"bad input, \"\"x\"\" rejected\nsecond line\"", lines[1]);
        Assert.Equal("2,c/2,failed,0,,,,,,,,,,3,,,2,hash2,,plain", lines[2]);
        Assert.Equal("", lines[3]); // every record, the last too, ends with CRLF
        Assert.Equal(4, lines.Length);
    }

    [Fact]
    public void EveryField_ReadsBackUnchanged()
    {
        string[] reasons = ["a,b", "\"quoted\"", "line\r\nbreak", " leading space", "=1+2", "", "tab\tand ; semicolon"];
        var report = new TrainingReport(TrainingOutcome.Completed, 0.875, null, 123_456, 7_890_123, 1.25, 3000.5, 2, 61.5, 812.25, null, "silo-1/slot-0, \"east\"", 1, false);
        var views = reasons.Select((r, i) => View(i, r, i == 0 ? report : null)).ToArray();

        using var reader = CsvReader.FromText(Csv(views));
        reader.ReadHeader();
        var read = new List<string[]>();
        while (reader.Read())
        {
            read.Add(Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToArray());
        }

        Assert.Equal(reasons.Length, read.Count);
        Assert.All(read, r => Assert.Equal(CampaignViews.CandidateCsvColumns.Length, r.Length));
        Assert.Equal(reasons, read.Select(r => r[^1]));
        var first = read[0];
        Assert.Equal(["0.875", "", "123456", "7890123", "1.25", "3000.5", "2", "61.5", "silo-1/slot-0, \"east\"", "1", "completed"], [first[4], first[5], first[6], first[7], first[8], first[9], first[10], first[11], first[12], first[14], first[18]]);
    }
}
