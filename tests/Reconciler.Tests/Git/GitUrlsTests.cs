using GitOpsSecrets.Git;

namespace GitOpsSecrets.Tests.Git;

public sealed class GitUrlsTests
{
    [Theory]
    [InlineData("https://user:tok3n@github.com/o/r.git", "https://github.com/o/r.git")]
    [InlineData("https://tok3n@github.com/o/r.git", "https://github.com/o/r.git")]
    [InlineData("fetch http://a:b@127.0.0.1:8080/r failed; see http://c:d@h/x", "fetch http://127.0.0.1:8080/r failed; see http://h/x")]
    [InlineData("ssh://git@github.com/o/r.git", "ssh://git@github.com/o/r.git")]
    [InlineData("ssh://git:pw@github.com/o/r.git", "ssh://github.com/o/r.git")]
    [InlineData("git@github.com:o/r.git", "git@github.com:o/r.git")]
    [InlineData("/srv/git/r.git", "/srv/git/r.git")]
    public void Scrub_UrlsWithUserInfo_DropSecretsAndKeepTheRest(string text, string expected) =>
        GitUrls.Scrub(text).ShouldBe(expected);

    [Theory]
    [InlineData("ssh://git@host/r.git", true)]
    [InlineData("git+ssh://host/r.git", true)]
    [InlineData("git@github.com:o/r.git", true)]
    [InlineData("github.com:o/r.git", true)]
    [InlineData("https://github.com/o/r.git", false)]
    [InlineData("file:///srv/r.git", false)]
    [InlineData("/srv/r.git", false)]
    [InlineData("./relative/r.git", false)]
    public void IsSsh_RecognizesSshAndScpLikeForms(string url, bool expected) =>
        GitUrls.IsSsh(url).ShouldBe(expected);

    [Fact]
    public void LocalPath_FileUrlsAndPaths_AreDirectories()
    {
        GitUrls.LocalPath("file:///srv/r.git").ShouldBe("/srv/r.git");
        GitUrls.LocalPath("/srv/r.git").ShouldBe("/srv/r.git");
        GitUrls.LocalPath("https://h/r.git").ShouldBeNull();
        GitUrls.LocalPath("git@h:r.git").ShouldBeNull();
    }
}
