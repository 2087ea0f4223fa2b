; Partnership Panel: the Windows installer (Inno Setup 6.3 or later).
;
; Built by installers\windows\build.ps1, which runs PyInstaller first and then
;   ISCC.exe /DAppVersion=0.1.0 /DNumericVersion=0.1.0 installers\windows\PartnershipPanel.iss
; Input:  dist\PartnershipPanel\ (the one-folder build: PartnershipPanel.exe, the window,
;         and panel-app.exe, the command line, sharing _internal\)
; Output: dist\PartnershipPanel-<version>-windows-x64-setup.exe
;
; Per user, no administrator rights: installs into %LOCALAPPDATA%\Programs\Partnership Panel,
; a Start menu shortcut (and a desktop one if ticked), the .panelbundle file type under
; HKCU\Software\Classes, and an uninstaller in Settings > Apps. See installers\README.md.

#ifndef AppVersion
  #error Define AppVersion: ISCC /DAppVersion=0.1.0 ... (installers\windows\build.ps1 does this)
#endif
#ifndef NumericVersion
  #define NumericVersion AppVersion
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\PartnershipPanel"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

#define AppName "Partnership Panel"
#define AppExe "PartnershipPanel.exe"
#define CliExe "panel-app.exe"
#define BundleExt ".panelbundle"
#define BundleProgId "PartnershipPanel.Bundle"
#define BundleName "Partnership Panel case bundle"

[Setup]
; AppId is the installer's upgrade identity: Setup finds an earlier installation by it
; (its uninstall entry is "<AppId>_is1") and installs the new version over it, in the same
; folder, with the same uninstaller. NEVER CHANGE IT: a different AppId makes Windows see a
; second, separate application, installed beside the old one. ({{ is Inno's escaped {.)
AppId={{2E471274-5646-4534-B4A3-F620D358C00E}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Partnership Panel developers
AppCopyright=Partnership Panel developers, MIT licence
VersionInfoVersion={#NumericVersion}
VersionInfoProductName={#AppName}
VersionInfoDescription={#AppName} setup
; Per-user install: no UAC prompt. With lowest privileges {autopf} is
; %LOCALAPPDATA%\Programs and {autoprograms} is the user's Start menu.
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DisableDirPage=auto
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
ChangesAssociations=yes
; On upgrade or uninstall, ask a running Partnership Panel to close (Restart Manager).
CloseApplications=yes
RestartApplications=no
SetupIconFile=..\..\resources\icons\panel-app.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputDir={#OutputDir}
OutputBaseFilename=PartnershipPanel-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
SetupLogging=yes
#ifdef Sign
; build.ps1 -CertThumbprint defines Sign and the "panelsign" tool (ISCC /Spanelsign=...):
; Inno Setup then signs the setup and the uninstaller with signtool.
SignTool=panelsign
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the whole app: no library of an older version may stay behind.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\..\LICENSE"; DestDir: "{app}"; DestName: "LICENSE.txt"; Flags: ignoreversion

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Encrypted case list and meetings for school partnerships"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; The .panelbundle file type, for this user only (HKCU\Software\Classes): double-clicking
; a bundle starts the window with the file, which previews its import after the unlock.
Root: HKCU; Subkey: "Software\Classes\{#BundleExt}"; ValueType: string; ValueName: ""; ValueData: "{#BundleProgId}"; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\{#BundleExt}"; ValueType: string; ValueName: "Content Type"; ValueData: "application/x-panel-bundle"; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\{#BundleExt}\OpenWithProgids"; ValueType: string; ValueName: "{#BundleProgId}"; ValueData: ""; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\{#BundleProgId}"; ValueType: string; ValueName: ""; ValueData: "{#BundleName}"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\{#BundleProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"
Root: HKCU; Subkey: "Software\Classes\{#BundleProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKCU; Subkey: "Software\Classes\Applications\{#AppExe}"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "{#AppName}"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: "{#BundleExt}"; ValueData: ""

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#StringChange(AppName, '&', '&&')}}"; Flags: nowait postinstall skipifsilent

[Code]
// Uninstalling never touches the partnership's data: say where they are.
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and not UninstallSilent() then
    MsgBox('{#AppName} has been removed. Your data were kept:' + #13#10 + #13#10 +
      '- partnership files (.panel with their .panel.key) wherever you saved them; new ' +
      'partnerships and the demo are in ' + ExpandConstant('{localappdata}\panel-app\panel-app') + #13#10 +
      '- settings in the registry under HKEY_CURRENT_USER\Software\panel-app' + #13#10 +
      '- data keys in Windows Credential Manager (generic credentials named panel-app ' +
      'or ending in @panel-app)' + #13#10 + #13#10 +
      'Delete them only when the data are no longer needed (backed up, or lawfully ' +
      'disposed of). installers\README.md in the source explains how.', mbInformation, MB_OK);
end;
