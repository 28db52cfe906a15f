# Real world (README: zaidaiman/cdn): `docker init`'s .NET Dockerfile (--platform=$BUILDPLATFORM, a NuGet cache mount,
# -a ${TARGETARCH/amd64/x64} --use-current-runtime, USER $APP_UID after COPY); FROM lines adapted to the lab's offline
# images, which are Debian's, not alpine's: their /bin/sh (dash) lacks ${VAR/pattern/replacement}, so the build stage
# gets SHELL bash (the one added line); the projects are `dotnet new` ones in the source's layout (an API referencing a library)
# context: dotnet new sln -n CDN --format sln
# context: dotnet new web -n CDNAPI -o CDNAPI --no-restore && dotnet new classlib -n CDNDomain -o CDNDomain --no-restore
# context: dotnet add CDNAPI/CDNAPI.csproj reference CDNDomain/CDNDomain.csproj && dotnet sln CDN.sln add CDNAPI/CDNAPI.csproj CDNDomain/CDNDomain.csproj
FROM --platform=$BUILDPLATFORM localhost:5000/dotnet/sdk:10.0 AS build
SHELL ["/bin/bash", "-c"]
COPY . /source
WORKDIR /source/CDNAPI
ARG TARGETARCH

RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish -c Release -a ${TARGETARCH/amd64/x64} --use-current-runtime --self-contained false -o /app

FROM localhost:5000/dotnet/aspnet:10.0 AS final
WORKDIR /app

COPY --from=build /app .

USER $APP_UID

ENTRYPOINT ["dotnet", "CDNAPI.dll"]
