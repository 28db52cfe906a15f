# Real world (README: javietanh/aspnetcore): Visual Studio's Dockerfile (base, build, publish FROM build inheriting
# BUILD_CONFIGURATION, final with USER $APP_UID); FROM lines adapted to the lab's offline images; the project is a
# `dotnet new webapp` (Razor Pages and wwwroot, as the source's) of the same name and layout
# context: dotnet new webapp -n aspnetcore -o . --no-restore
# context: dotnet new sln -n aspnetcore --format sln && dotnet sln aspnetcore.sln add aspnetcore.csproj
FROM localhost:5000/dotnet/aspnet:10.0 AS base
USER $APP_UID
WORKDIR /app
EXPOSE 80

FROM localhost:5000/dotnet/sdk:10.0 AS build
ARG BUILD_CONFIGURATION=Release
WORKDIR /src
COPY ["aspnetcore.csproj", "./"]
RUN dotnet restore "aspnetcore.csproj"
COPY . .
WORKDIR "/src/"
RUN dotnet build "aspnetcore.csproj" -c $BUILD_CONFIGURATION -o /app/build

FROM build AS publish
ARG BUILD_CONFIGURATION=Release
RUN dotnet publish "aspnetcore.csproj" -c $BUILD_CONFIGURATION -o /app/publish /p:UseAppHost=false

FROM base AS final
WORKDIR /app
COPY --from=publish /app/publish .
ENTRYPOINT ["dotnet", "aspnetcore.dll"]
