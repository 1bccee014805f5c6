; Gen Image Factory: per-user Windows installer (Inno Setup 6.3 or later).
; Built by tools/package.py (`make package` on Windows) from the one-folder bundle, for example:
;   iscc /DAppVersion=0.1.0 /DSourceDir=dist\gif-app /DOutputDir=dist /DOutputBase=gif-app_0.1.0_x64-setup build\windows\gif-app.iss
; Installs without administrator rights into %LOCALAPPDATA%\Programs\Gen Image Factory, adds a Start-menu
; entry, an optional desktop icon and an uninstaller (Settings > Apps). User data (%LOCALAPPDATA%\GenImageFactory)
; is not part of the installation and is kept on uninstall.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=x.y.z
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\gif-app"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#ifndef OutputBase
  #define OutputBase "gif-app_" + AppVersion + "_x64-setup"
#endif
#define AppName "Gen Image Factory"
#define AppExe "gif-app.exe"

[Setup]
; The AppId ties upgrades and the uninstaller to this app: never change it.
AppId={{6B0E3F57-2C1D-4E8A-9A51-0D7C4B2E9F13}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppName}
VersionInfoVersion={#AppVersion}
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; The bundled onnxruntime and Edge WebView2 need Windows 10 or later.
MinVersion=10.0
SetupIconFile=..\icons\gif-app.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputDir={#OutputDir}
OutputBaseFilename={#OutputBase}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Files the app may write beside itself at run time; the data folder elsewhere is left alone.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
