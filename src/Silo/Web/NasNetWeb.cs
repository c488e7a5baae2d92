using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection;
using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using NasNet.Grains.Interfaces;

namespace NasNet.Silo.Web;

/// <summary>
/// The campaign pages every silo serves beside /dashboard, /health and /metrics: <c>/campaigns</c> (every campaign),
/// <c>/campaigns/{id}</c> (one campaign, live) and <c>/campaigns/{id}/candidates/{n}</c> (one candidate), as HTML shells
/// whose script polls small JSON documents, plus SVG cell diagrams (Core's <see cref="CellDiagram"/>) and downloads.
/// Read-only, and reads only through the grain interfaces; every answer is bounded in size whatever the campaign's.
/// </summary>
public static partial class NasNetWeb
{
    /// <summary>Leaderboard rows per page (the first screen).</summary>
    public const int PageRows = 20;

    /// <summary>Points per chart series on the page.</summary>
    public const int ChartPoints = 400;

    private static readonly string[] Compressible = ["text/html", "text/css", "text/javascript", "application/json", "image/svg+xml"];

    /// <summary>JSON as the page reads it: camelCase, enums as lowercase names, NaN (a diverged loss) as a string.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // Served as application/json only (never inside HTML), so only what JSON itself requires is escaped.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The page's services: the busy sampler and response compression (for the page's paths only).</summary>
    public static IServiceCollection AddNasNetWeb(this IServiceCollection services)
    {
        services.AddSingleton<BusySampler>();
        services.AddHostedService(sp => sp.GetRequiredService<BusySampler>());
        services.AddResponseCompression(o =>
        {
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = Compressible;
        });
        // Optimal (brotli quality 4, gzip 6): the diagrams and JSON shrink 4-6 times for well under a millisecond each.
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        return services;
    }

    /// <summary>The token check (when <paramref name="token"/> is set) and compression, before any endpoint.</summary>
    public static WebApplication UseNasNetWeb(this WebApplication app, string? token)
    {
        app.UseWebToken(token);
        app.UseWhen(c => (WebToken.Protects(c.Request.Path) && !c.Request.Path.StartsWithSegments("/dashboard")) || c.Request.Path.StartsWithSegments("/web"),
            b => b.UseResponseCompression());
        return app;
    }

    /// <summary>Maps the pages, their JSON and SVG documents, downloads and the static assets.</summary>
    public static WebApplication MapNasNetWeb(this WebApplication app)
    {
        app.MapGet("/", () => Results.Redirect("/campaigns"));
        app.MapGet("/campaigns", () => Html(WebPages.List()));
        app.MapGet("/campaigns.json", async (IGrainFactory grains) =>
        {
            var ids = await grains.GetGrain<IWorkBrokerGrain>(0).List();
            var statuses = await Task.WhenAll(ids.Select(id => TryStatusAsync(grains, id)));
            return Results.Json(new { campaigns = statuses.Where(s => s is not null).Reverse() }, Json);
        });
        app.MapGet("/campaigns/{id}", async (string id, IGrainFactory grains) =>
            await TryStatusAsync(grains, id) is { } s ? Html(WebPages.Campaign(s)) : NotFound($"no campaign '{id}'"));
        app.MapGet("/campaigns/{id}/view.json", async (string id, IGrainFactory grains, BusySampler busy) =>
        {
            if (await TryStatusAsync(grains, id) is not { } status)
            {
                return NotFound($"no campaign '{id}'");
            }

            var charts = await grains.GetGrain<ICampaignQueryGrain>(id).GetCharts(ChartPoints);
            var final = status.FinalTotal > 0 ? await grains.GetGrain<ICampaignGrain>(id).GetFinalReport() : null;
            return Results.Json(new { status, charts, final, busy = busy.Get(id), serverUtc = DateTime.UtcNow }, Json);
        });
        app.MapGet("/campaigns/{id}/candidates.json", async (string id, string? filter, string? sort, bool? desc, int? skip, int? take, IGrainFactory grains) =>
        {
            if (!Enum.TryParse<CandidateFilter>(filter ?? "trained", ignoreCase: true, out var f) || !Enum.IsDefined(f))
            {
                return BadRequest($"filter '{filter}' is not one of {string.Join(", ", Enum.GetNames<CandidateFilter>()).ToLowerInvariant()}");
            }

            if (!Enum.TryParse<CandidateSort>(sort ?? "rank", ignoreCase: true, out var s) || !Enum.IsDefined(s))
            {
                return BadRequest($"sort '{sort}' is not one of {string.Join(", ", Enum.GetNames<CandidateSort>()).ToLowerInvariant()}");
            }

            if (!IsId(id))
            {
                return NotFound($"no campaign '{id}'");
            }

            try
            {
                var page = await grains.GetGrain<ICampaignQueryGrain>(id).QueryCandidates(new CandidateQuery(f, s, desc ?? false, skip ?? 0, Math.Clamp(take ?? PageRows, 1, 100)));
                return Results.Json(page, Json);
            }
            catch (UserRequestException e)
            {
                return NotFound(e.Message);
            }
        });
        app.MapGet("/campaigns/{id}/candidates/{n:int}", async (string id, int n, IGrainFactory grains) =>
            await TryStatusAsync(grains, id) is { } s && await FindAsync(grains, id, n) is { } c ? Html(WebPages.Candidate(s, c)) : NotFound($"no candidate {n} in campaign '{id}'"));
        app.MapGet("/campaigns/{id}/candidates/{n:int}/view.json", async (string id, int n, IGrainFactory grains) =>
        {
            if (await TryStatusAsync(grains, id) is not { } status || await FindAsync(grains, id, n) is not { } row)
            {
                return NotFound($"no candidate {n} in campaign '{id}'");
            }

            CandidateView? view = null;
            try
            {
                view = await grains.GetGrain<ICandidateGrain>(row.CandidateId).Get();
            }
            catch (InvalidOperationException)
            {
                // Proposed a moment ago: the candidate grain is initialised in the background.
            }

            var campaign = new { status.Id, status.Name, status.State, status.Strategy, status.Rungs, status.BestCandidateId };
            return Results.Json(new { campaign, row, candidate = view }, Json);
        });
        app.MapGet("/campaigns/{id}/candidates/{n:int}/genotype.json", async (string id, int n, IGrainFactory grains) =>
            await GenotypeAsync(grains, id, n) is { } g
                ? Results.Text(GenotypeJson.Serialize(g.Genotype), "application/json")
                    .WithHeader("Content-Disposition", $"attachment; filename=\"{id}-{n:D5}-genotype.json\"")
                : NotFound($"no candidate {n} in campaign '{id}'"));
        app.MapGet("/campaigns/{id}/candidates/{n:int}/{cell}.svg", async (string id, int n, string cell, IGrainFactory grains) =>
        {
            if (cell is not ("normal" or "reduction") || await GenotypeAsync(grains, id, n) is not { } g)
            {
                return NotFound($"no {cell} cell of candidate {n} in campaign '{id}'");
            }

            var svg = CellDiagram.ToSvg(cell == "normal" ? g.Genotype.Normal : g.Genotype.Reduction, $"{cell} cell of #{n}");
            // A candidate's genotype never changes: its diagrams are cached for good (private: the page may need a token).
            return Results.Text(svg, "image/svg+xml").WithHeader("Cache-Control", "private, max-age=31536000, immutable");
        });
        app.MapGet("/campaigns/{id}/candidates/{n:int}/weights", async (string id, int n, IGrainFactory grains) =>
        {
            if (!IsId(id) || await FindAsync(grains, id, n) is not { } row)
            {
                return NotFound($"no candidate {n} in campaign '{id}'");
            }

            return await grains.GetGrain<ICandidateGrain>(row.CandidateId).GetWeights() is { } weights
                ? Results.File(weights, "application/octet-stream", $"{id}-{n:D5}-weights.dat")
                : NotFound($"candidate {n} of campaign '{id}' has no stored weights (not trained yet, or its trainer did not keep them)");
        });
        app.MapGet("/web/{file}", (string file) => WebAssets.Serve(file));
        return app;
    }

    private static IResult Html(string html) => Results.Text(html, "text/html; charset=utf-8");

    private static IResult BadRequest(string message) => Results.Text($"400: {message}\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);

    private static IResult NotFound(string message) => Results.Text($"404: {message}\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound);

    private static IResult WithHeader(this IResult result, string name, string value) => new HeaderResult(result, name, value);

    private static bool IsId(string id) => id.Length <= 200 && IdChars().IsMatch(id);

    /// <summary>The status, or null for an id that names no campaign.</summary>
    private static async Task<CampaignStatus?> TryStatusAsync(IGrainFactory grains, string id)
    {
        if (!IsId(id))
        {
            return null;
        }

        try
        {
            return await grains.GetGrain<ICampaignGrain>(id).GetStatus();
        }
        catch (UserRequestException)
        {
            return null;
        }
    }

    private static async Task<CandidateSummary?> FindAsync(IGrainFactory grains, string id, int n)
    {
        try
        {
            return IsId(id) ? await grains.GetGrain<ICampaignQueryGrain>(id).FindCandidate(n) : null;
        }
        catch (UserRequestException)
        {
            return null;
        }
    }

    /// <summary>A candidate's genotype (from its grain), or null when there is none (unknown, or a reference network).</summary>
    private static async Task<(CandidateSummary Row, Genotype Genotype)?> GenotypeAsync(IGrainFactory grains, string id, int n)
    {
        if (await FindAsync(grains, id, n) is not { } row)
        {
            return null;
        }

        try
        {
            var view = await grains.GetGrain<ICandidateGrain>(row.CandidateId).Get();
            return SearchSpaces.IsGenotype(view.GenotypeJson) ? (row, GenotypeJson.Parse(view.GenotypeJson)) : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex IdChars();

    private sealed class HeaderResult(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
