using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace GitOpsSecrets.Tests.Ui;

/// <summary>One request the browser made, as Playwright saw it.</summary>
public sealed record SeenRequest(string Method, string Url, IReadOnlyDictionary<string, string> Headers, string? Body);

/// <summary>One response the browser received, with its headers and body.</summary>
public sealed record SeenResponse(string Url, int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>
/// A fresh browser context and page that records every request the page makes and every response it
/// receives (bodies included), and every console message (a CSP violation is reported there).
/// </summary>
public sealed class RecordedPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly ConcurrentQueue<Task> _pending = new();

    private RecordedPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Request += (_, request) => Requests.Enqueue(new SeenRequest(request.Method, request.Url, request.Headers, request.PostData));
        page.Response += (_, response) => _pending.Enqueue(RecordAsync(response));
        // Errors and warnings only: a CSP violation or a script error is an error; Chromium's verbose DOM hints are not.
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                Console.Enqueue($"{message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => Console.Enqueue($"pageerror: {error}");
    }

    public IPage Page { get; }

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    public ConcurrentQueue<SeenResponse> Responses { get; } = new();

    /// <summary>Console errors and warnings, and uncaught page errors.</summary>
    public ConcurrentQueue<string> Console { get; } = new();

    public static async Task<RecordedPage> OpenAsync(Chromium chromium, int width = 1280, int height = 900, ColorScheme scheme = ColorScheme.Light)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = scheme,
            AcceptDownloads = true,
        });
        return new RecordedPage(context, await context.NewPageAsync());
    }

    /// <summary>Waits for every response body still being read.</summary>
    public async Task SettleAsync()
    {
        while (_pending.TryDequeue(out var task))
        {
            await task;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await SettleAsync();
        await _context.CloseAsync();
    }

    private async Task RecordAsync(IResponse response)
    {
        byte[] body;
        try
        {
            body = response.Status is >= 300 and < 400 ? [] : await response.BodyAsync();
        }
        catch (PlaywrightException)
        {
            body = []; // the page navigated on before the body was read
        }

        Responses.Enqueue(new SeenResponse(response.Url, response.Status, await response.AllHeadersAsync(), body));
    }
}
