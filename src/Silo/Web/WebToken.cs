using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace NasNet.Silo.Web;

/// <summary>
/// The optional bearer token (<c>NasNet:WebToken</c>) in front of the campaign pages and the Orleans dashboard. A
/// request passes with <c>Authorization: Bearer TOKEN</c>, or with the cookie a browser gets by opening any protected
/// page once with <c>?token=TOKEN</c> (it is then redirected to the same page without the token in its address).
/// /health, /metrics and the page's static assets (/web/) stay open. Without a token, everything is open.
/// </summary>
public static class WebToken
{
    /// <summary>The cookie that carries the token for a browser (HttpOnly, SameSite=Lax).</summary>
    public const string CookieName = "nasnet-token";

    /// <summary>True for the paths the token protects.</summary>
    public static bool Protects(PathString path) =>
        path.StartsWithSegments("/campaigns") || path.StartsWithSegments("/campaigns.json") || path.StartsWithSegments("/dashboard");

    /// <summary>Adds the token check in front of every endpoint (nothing when <paramref name="token"/> is empty).</summary>
    public static WebApplication UseWebToken(this WebApplication app, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return app;
        }

        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        bool Matches(string? given) =>
            given is { Length: > 0 } && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), expected);

        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (!Protects(request.Path))
            {
                await next(context);
                return;
            }

            var header = request.Headers.Authorization.ToString();
            var bearer = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
            if (Matches(bearer) || Matches(request.Cookies[CookieName]))
            {
                await next(context);
                return;
            }

            if (HttpMethods.IsGet(request.Method) && Matches(request.Query["token"]))
            {
                context.Response.Cookies.Append(CookieName, token, new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Lax, // sent when the page is opened from a link elsewhere; the page changes nothing
                    Path = "/",
                    Secure = request.IsHttps,
                });
                var query = QueryString.Create(request.Query.Where(q => q.Key != "token"));
                context.Response.Redirect($"{request.PathBase}{request.Path}{query}");
                return;
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"nasnet\"";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.WriteAsync(
                "401: this NasNet page needs the silo's web token (NasNet:WebToken): open it once with ?token=TOKEN, or send 'Authorization: Bearer TOKEN'\n");
        });
        return app;
    }
}
