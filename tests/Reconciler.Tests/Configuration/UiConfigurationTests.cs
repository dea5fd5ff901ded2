using GitOpsSecrets.Configuration;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Ui;
using Microsoft.AspNetCore.Http;

namespace GitOpsSecrets.Tests.Configuration;

/// <summary><c>worker.ui</c> and <c>worker.ui.auth</c>: reading, validation, and the access check they configure.</summary>
public sealed class UiConfigurationTests
{
    private static WorkerConfiguration Read(string yaml) => ConfigurationReader.Read(ManifestReader.ReadSingle(System.Text.Encoding.UTF8.GetBytes(yaml), "cfg.yaml"));

    [Fact]
    public void Read_Absent_PageIsOnWithoutAuth()
    {
        var ui = Read("worker:\n  listen: :8080\n").Worker.Ui;

        ui.Enabled.ShouldBeTrue("the page is on unless turned off");
        new UiAccess(ui.Auth, _ => null).Scheme.ShouldBe("none");
    }

    [Fact]
    public void Read_False_TurnsThePageOff()
    {
        Read("worker:\n  ui: false\n").Worker.Ui.Enabled.ShouldBeFalse();
    }

    [Fact]
    public void Read_Mapping_ReadsEnabledAndAuth()
    {
        var ui = Read("""
            worker:
              ui:
                auth:
                  trustedHeader: X-Forwarded-User
            """).Worker.Ui;
        var off = Read("worker:\n  ui:\n    enabled: false\n    auth:\n      bearerTokenFile: /run/token\n").Worker.Ui;

        ui.Enabled.ShouldBeTrue();
        ui.Auth.TrustedHeader.ShouldBe("X-Forwarded-User");
        off.Enabled.ShouldBeFalse();
        off.Auth.BearerTokenFile.ShouldBe("/run/token");
    }

    [Fact]
    public void Read_UnknownFieldOrWrongType_ErrorNamesTheField()
    {
        Should.Throw<ManifestException>(() => Read("worker:\n  ui:\n    auth:\n      token: x\n")).Message.ShouldContain("worker.ui.auth.token");
        Should.Throw<ManifestException>(() => Read("worker:\n  ui: sometimes\n")).Message.ShouldContain("worker.ui must be true, false or a mapping");
    }

    [Fact]
    public void Validate_TwoAuthMethods_IsRefused()
    {
        var configuration = new WorkerConfiguration
        {
            Source = new SourceConfiguration { Url = "/repo" },
            Keys = new KeysConfiguration { Directory = "/keys" },
            Targets = [new TargetConfiguration { Name = "files", Kind = "directory", Root = "/out" }],
        };
        configuration.Worker.Ui.Auth.BearerTokenFile = "/run/token";
        configuration.Worker.Ui.Auth.TrustedHeader = "X-Forwarded-User";

        Should.Throw<InputException>(() => ConfigurationValidator.Validate(configuration)).Message.ShouldContain("worker.ui.auth: choose one of bearerTokenFile, bearerTokenEnv and trustedHeader");
    }

    [Fact]
    public void UiAccess_BearerTokenFromEnvironment_AcceptsOnlyThatToken()
    {
        var access = new UiAccess(new UiAuthSettings { BearerTokenEnv = "UI_TOKEN" }, name => name == "UI_TOKEN" ? "s3cret-token\n" : null);

        access.Scheme.ShouldBe("bearer");
        access.Allows(Request("Bearer s3cret-token")).ShouldBeTrue();
        access.Allows(Request("Bearer s3cret-tokeN")).ShouldBeFalse("a different token");
        access.Allows(Request(null)).ShouldBeFalse("no token");
        Should.Throw<InputException>(() => new UiAccess(new UiAuthSettings { BearerTokenEnv = "UNSET" }, _ => null)).Message.ShouldContain("UNSET is not set");
    }

    private static HttpRequest Request(string? authorization)
    {
        var context = new DefaultHttpContext();
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        return context.Request;
    }
}
