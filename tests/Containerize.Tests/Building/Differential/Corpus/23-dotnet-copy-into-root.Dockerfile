# Real world (README: trembon/trembonWoW): the whole context copied into the SDK image's root (COPY . . without a
# WORKDIR), a solution under src/ restored and published for $TARGETARCH, the app host as ENTRYPOINT, trailing blanks
# kept; FROM lines adapted to the lab's offline images; the projects are `dotnet new` ones in the source's layout
# (a web app and a library; libraries do not publish themselves, see 22-dotnet-solution-restore-arch)
# context: mkdir src && cd src && dotnet new sln -n trembonWoW --format sln
# context: cd src && dotnet new web -n trembonWoW -o trembonWoW/trembonWoW --no-restore && dotnet new classlib -n trembonWoW.Core -o trembonWoW.Core --no-restore
# context: cd src && dotnet add trembonWoW/trembonWoW/trembonWoW.csproj reference trembonWoW.Core/trembonWoW.Core.csproj
# context: cd src && dotnet sln trembonWoW.sln add trembonWoW/trembonWoW/trembonWoW.csproj trembonWoW.Core/trembonWoW.Core.csproj
# context: printf '<Project>\n  <PropertyGroup Condition="%s">\n    <IsPublishable>false</IsPublishable>\n  </PropertyGroup>\n</Project>\n' "'\$(UsingMicrosoftNETSdkWeb)' != 'true'" > src/Directory.Build.targets
# build with the SDK image
FROM --platform=$BUILDPLATFORM localhost:5000/dotnet/sdk:10.0 AS build
ARG TARGETARCH
COPY . .
WORKDIR /src
RUN dotnet restore -a $TARGETARCH
RUN dotnet publish -a $TARGETARCH --no-restore -o /app/publish

# runtime
FROM localhost:5000/dotnet/aspnet:10.0 
WORKDIR /app 
EXPOSE 8080
COPY --from=build /app/publish .
USER $APP_UID 
ENTRYPOINT ["./trembonWoW"] 
