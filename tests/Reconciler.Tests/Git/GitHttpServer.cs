using System.Diagnostics;
using System.Net;
using System.Text;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.AspNetCore.Http;

namespace GitOpsSecrets.Tests.Git;

/// <summary>
/// A real smart-HTTP git server on 127.0.0.1: Kestrel runs <c>git http-backend</c> as a CGI program for
/// every request, after checking basic auth (any user name, the password must be the token).
/// </summary>
public sealed class GitHttpServer : IAsyncDisposable
{
    private LoopbackHttpServer? _server;

    public string BaseUrl => _server!.Url;

    /// <summary>Authorization headers the server received, to prove the token was sent as basic auth.</summary>
    public List<string> ReceivedUsers { get; } = [];

    public static async Task<GitHttpServer> StartAsync(string projectRoot, string token)
    {
        var server = new GitHttpServer();
        server._server = await LoopbackHttpServer.StartAsync(async context =>
        {
            var user = Authenticate(context.Request, token);
            if (user is null)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"git\"";
                return;
            }

            lock (server.ReceivedUsers)
            {
                server.ReceivedUsers.Add(user);
            }

            await RunBackendAsync(context, projectRoot, user);
        });
        return server;
    }

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static string? Authenticate(HttpRequest request, string token)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return null;
        }

        var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
        var colon = pair.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && pair[(colon + 1)..] == token ? pair[..colon] : null;
    }

    private static async Task RunBackendAsync(HttpContext context, string projectRoot, string user)
    {
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("http-backend");
        var request = context.Request;
        start.Environment["GIT_PROJECT_ROOT"] = projectRoot;
        start.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        start.Environment["REMOTE_USER"] = user;
        start.Environment["REMOTE_ADDR"] = "127.0.0.1";
        start.Environment["REQUEST_METHOD"] = request.Method;
        start.Environment["PATH_INFO"] = request.Path.Value ?? "/";
        start.Environment["QUERY_STRING"] = request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty;
        start.Environment["CONTENT_TYPE"] = request.ContentType ?? string.Empty;
        start.Environment["GIT_PROTOCOL"] = request.Headers["Git-Protocol"].ToString();
        start.Environment["HTTP_CONTENT_ENCODING"] = request.Headers.ContentEncoding.ToString();
        if (request.ContentLength is { } length)
        {
            start.Environment["CONTENT_LENGTH"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await request.Body.CopyToAsync(process.StandardInput.BaseStream);
        process.StandardInput.Close();

        var output = process.StandardOutput.BaseStream;
        var status = (int)HttpStatusCode.OK;
        // CGI response: header lines up to an empty line, then the body.
        while (ReadLine(output) is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                status = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                context.Response.Headers[name] = value;
            }
        }

        context.Response.StatusCode = status;
        await output.CopyToAsync(context.Response.Body);
        await process.WaitForExitAsync();
        _ = await stderr;
    }

    private static string? ReadLine(Stream stream)
    {
        var bytes = new List<byte>();
        while (true)
        {
            var b = stream.ReadByte();
            if (b < 0)
            {
                return bytes.Count == 0 ? null : Encoding.ASCII.GetString([.. bytes]);
            }

            if (b == '\n')
            {
                return Encoding.ASCII.GetString([.. bytes]).TrimEnd('\r');
            }

            bytes.Add((byte)b);
        }
    }
}
