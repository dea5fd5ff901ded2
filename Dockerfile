# GitOps Secrets worker image.
#   docker build -t gitops-secrets:0.1.0 .      (or: dotnet cake src/Build/build.cake --target=Docker)
#   docker run --rm -v ./config.yaml:/etc/gitops-secrets/config.yaml:ro -p 8080:8080 gitops-secrets:0.1.0
# What the runtime needs, and why (see deploy/README.md):
#   - the ASP.NET Core 10 shared framework: the worker's HTTP endpoints; the binary is framework-dependent;
#   - OpenSSL 3 (libcrypto.so.3): the fast RSA-OAEP path (the base image ships it; BouncyCastle otherwise);
#   - libgit2: bundled inside the single file, extracted at start to DOTNET_BUNDLE_EXTRACT_BASE_DIR;
#   - the OpenSSH client: libgit2 runs `ssh` for ssh:// repositories;
#   - git and gpgv: source.verify (signed commits only) runs `git log`/`git verify-commit`, which check
#     ssh signatures with ssh-keygen (openssh-client) and OpenPGP ones with gpgv.

# --- build: the same publish as the Cake Publish target (one framework-dependent linux-x64 file)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore from the project files alone first, so a source change does not download packages again.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Reconciler/Reconciler.csproj src/Reconciler/
RUN dotnet restore src/Reconciler/Reconciler.csproj --runtime linux-x64
COPY src/Reconciler/ src/Reconciler/
RUN dotnet publish src/Reconciler/Reconciler.csproj --no-restore --configuration Release --runtime linux-x64 \
      --self-contained false -p:PublishSingleFile=true --output /out

# --- runtime
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# A named user for uid 65532: ssh refuses to run for a uid without a passwd entry.
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssh-client git gpgv \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 gitops-secrets \
 && useradd --uid 65532 --gid 65532 --no-log-init --create-home --home-dir /home/gitops-secrets --shell /usr/sbin/nologin gitops-secrets
COPY --from=build /out/gitops-secrets /usr/local/bin/gitops-secrets
# The root filesystem is read-only in deploy/: native libraries are extracted to /tmp (an emptyDir there).
ENV DOTNET_BUNDLE_EXTRACT_BASE_DIR=/tmp/.net \
    HOME=/home/gitops-secrets
USER 65532:65532
EXPOSE 8080
# No curl or wget in the image (and none added just for this): bash's /dev/tcp sends the request and
# the status line must say 200. Kubernetes ignores HEALTHCHECK and uses the Deployment's probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["gitops-secrets"]
CMD ["run", "--config", "/etc/gitops-secrets/config.yaml"]
