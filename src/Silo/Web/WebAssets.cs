using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace NasNet.Silo.Web;

/// <summary>
/// The page's stylesheet and script, embedded in the silo assembly (plain CSS and JavaScript: no build step, no
/// front-end library). Served under /web/ with a content hash in the address, so a browser caches them for good and a
/// new silo build is fetched at once.
/// </summary>
public static class WebAssets
{
    private const string Prefix = "NasNet.Web.";

    private static readonly IReadOnlyDictionary<string, (byte[] Bytes, string Type, string Tag)> Files = Load();

    /// <summary>The versioned address of an asset (e.g. "nasnet.js").</summary>
    public static string Url(string file) => $"/web/{file}?v={Files[file].Tag}";

    /// <summary>The asset, or 404.</summary>
    public static IResult Serve(string file)
    {
        if (!Files.TryGetValue(file, out var f))
        {
            return Results.NotFound();
        }

        return new CachedBytes(f.Bytes, f.Type);
    }

    private static Dictionary<string, (byte[], string, string)> Load()
    {
        var assembly = typeof(WebAssets).Assembly;
        var files = new Dictionary<string, (byte[], string, string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            var bytes = ms.ToArray();
            var file = name[Prefix.Length..];
            var type = Path.GetExtension(file) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            files[file] = (bytes, type, Convert.ToHexStringLower(SHA256.HashData(bytes))[..12]);
        }

        return files;
    }

    private sealed class CachedBytes(byte[] bytes, string type) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.ContentType = type;
            httpContext.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
            return httpContext.Response.Body.WriteAsync(bytes).AsTask();
        }
    }
}
