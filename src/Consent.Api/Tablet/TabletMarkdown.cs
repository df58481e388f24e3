using Markdig;
using Microsoft.AspNetCore.Html;

namespace Consent.Api.Tablet;

/// <summary>Step bodies are Markdown from the workflow files; raw HTML in them is shown as text, never run.</summary>
public static class TabletMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().DisableHtml().Build();

    public static IHtmlContent Render(string markdown) => new HtmlString(Markdown.ToHtml(markdown, Pipeline));
}
