# Real world (README: HomeDeploys/Issueneter): a solution restored and published for $TARGETARCH (COPY --link . .,
# dotnet publish --no-restore -o of the whole solution); FROM lines adapted to the lab's offline images; the projects
# are `dotnet new` ones in the source's layout (src/ with a web app and libraries, Directory.Build.props as the
# source's). A Directory.Build.targets keeps libraries from publishing themselves: a solution publish with -o
# otherwise copies each library twice into /app (its own RID-specific build and the app's), and which lands last is a
# race in MSBuild's parallel build, in any engine
# context: dotnet new sln -n Issueneter --format sln
# context: printf '<Project>\n  <PropertyGroup>\n    <TargetFramework>net10.0</TargetFramework>\n    <LangVersion>14.0</LangVersion>\n    <Nullable>enable</Nullable>\n    <ImplicitUsings>enable</ImplicitUsings>\n    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>\n  </PropertyGroup>\n</Project>\n' > Directory.Build.props
# context: printf '<Project>\n  <PropertyGroup Condition="%s">\n    <IsPublishable>false</IsPublishable>\n  </PropertyGroup>\n</Project>\n' "'\$(UsingMicrosoftNETSdkWeb)' != 'true'" > Directory.Build.targets
# context: dotnet new web -n Issueneter -o src/Issueneter --no-restore && dotnet new classlib -n Issueneter.Common -o src/Issueneter.Common --no-restore
# context: dotnet new classlib -n Issueneter.Domain -o src/Domain/Issueneter.Domain --no-restore
# context: dotnet add src/Issueneter/Issueneter.csproj reference src/Issueneter.Common/Issueneter.Common.csproj src/Domain/Issueneter.Domain/Issueneter.Domain.csproj
# context: dotnet sln Issueneter.sln add src/Issueneter/Issueneter.csproj src/Issueneter.Common/Issueneter.Common.csproj src/Domain/Issueneter.Domain/Issueneter.Domain.csproj
FROM --platform=$BUILDPLATFORM localhost:5000/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /source

# Copy project file and restore as distinct layers
COPY --link . .
RUN dotnet restore -a $TARGETARCH
RUN dotnet publish -c Release -a $TARGETARCH --no-restore -o /app


# Runtime stage
FROM localhost:5000/dotnet/aspnet:10.0
EXPOSE 8080
WORKDIR /app
COPY --from=build /app .
ENTRYPOINT ["dotnet", "Issueneter.dll"]
