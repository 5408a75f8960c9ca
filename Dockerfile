# syntax=docker/dockerfile:1
# The silo image: docker build -t orleansfabric/silo:0.1.0 .   (the build context is the repository)
# Ports: 8080 the HTTP API, 11111 the Orleans silo port (silo-to-silo), 30000 the Orleans gateway
# (grain clients); change the last two with Fabric__Clustering__SiloPort / __GatewayPort. The API
# listens on every interface, so the silo needs API keys (Fabric__Api__Keys__0__Key, ...) or
# Fabric__Api__AllowAnonymous=true. Without Fabric__Clustering__* it runs as a lone silo with state
# in memory; a cluster needs Redis or PostgreSQL membership and PostgreSQL persistence (see
# charts/orleans-fabric and API.md, "Configuration keys"). SIGTERM: it deactivates its grains and
# leaves the cluster within Fabric__Shutdown__DeadlineSeconds.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
WORKDIR /source
# The strict build settings, the pinned SDK and the central package versions apply here too.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
RUN dotnet publish src/OrleansFabric.Silo -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_URLS=http://+:8080
EXPOSE 8080 11111 30000
# The image's non-root `app` user (uid 1654); the Helm chart runs pods as the same uid.
USER $APP_UID
ENTRYPOINT ["dotnet", "OrleansFabric.Silo.dll"]
