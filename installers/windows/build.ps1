<#
.SYNOPSIS
  Build the Windows installer of Partnership Panel: the PyInstaller one-folder app, its
  self-test, then the Inno Setup installer.

.DESCRIPTION
  Run from any folder, in Windows PowerShell 5.1 or PowerShell 7, on 64-bit Windows 10 or 11:

    powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1

  Needs: Python 3.11 to 3.13 (64-bit, from python.org; found as "py -3" or "python"),
  Inno Setup 6.3 or later (ISCC.exe), and the network for pip (PySide6, PyInstaller ...).
  Steps: a fresh virtual environment in build\windows\venv -> pip installs the project
  (from a clean copy of its sources) and PyInstaller -> PyInstaller with
  installers\pyinstaller\panel_app.spec -> dist\PartnershipPanel\panel-app.exe --self-test
  (stops here if it fails) -> optional Authenticode signing of the two executables ->
  ISCC.exe /DAppVersion=<version from pyproject.toml> (which, when signing, also signs the
  setup and its uninstaller).
  Result: dist\PartnershipPanel-<version>-windows-x64-setup.exe

.PARAMETER Python
  The Python to build with, e.g. "C:\Python312\python.exe". Default: "py -3", else "python".

.PARAMETER Iscc
  Path to ISCC.exe. Default: found on PATH or in the usual Inno Setup 6 folders.

.PARAMETER CertThumbprint
  Sign with signtool.exe using this code-signing certificate (SHA-1 thumbprint) from the
  certificate store. Without it nothing is signed (see installers\README.md).

.PARAMETER TimestampUrl
  RFC 3161 time-stamping server for signing. Default: http://timestamp.digicert.com
#>
[CmdletBinding()]
param(
    [string]$Python = "",
    [string]$Iscc = "",
    [string]$CertThumbprint = "",
    [string]$TimestampUrl = "http://timestamp.digicert.com"
)

$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
$Build = Join-Path $Root "build\windows"
$Venv = Join-Path $Build "venv"
$Src = Join-Path $Build "src"
$Dist = Join-Path $Root "dist"
$App = Join-Path $Dist "PartnershipPanel"
$VenvPython = Join-Path $Venv "Scripts\python.exe"

function Say([string]$Text) { Write-Host "build.ps1: $Text" }

# Run a program; stop the build if it fails (native programs do not throw by themselves).
function Invoke-Checked([string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "$Exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE"
    }
}

function Find-Python {
    if ($Python) { return @($Python) }
    if (Get-Command py -ErrorAction SilentlyContinue) { return @("py", "-3") }
    if (Get-Command python -ErrorAction SilentlyContinue) { return @("python") }
    throw "No Python found: install Python 3.11-3.13 (64-bit) from python.org, or pass -Python C:\path\to\python.exe"
}

function Find-Iscc {
    if ($Iscc) { return $Iscc }
    $onPath = Get-Command ISCC.exe -ErrorAction SilentlyContinue
    if ($onPath) { return $onPath.Source }
    $candidates = @(
        (Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"),
        (Join-Path $env:ProgramFiles "Inno Setup 6\ISCC.exe"),
        (Join-Path $env:LOCALAPPDATA "Programs\Inno Setup 6\ISCC.exe")
    )
    foreach ($candidate in $candidates) {
        if ($candidate -and (Test-Path $candidate)) { return $candidate }
    }
    throw "ISCC.exe (Inno Setup 6) not found: install it from https://jrsoftware.org/isdl.php or pass -Iscc C:\path\to\ISCC.exe"
}

function Find-SignTool {
    $onPath = Get-Command signtool.exe -ErrorAction SilentlyContinue
    if ($onPath) { return $onPath.Source }
    $kits = Join-Path ${env:ProgramFiles(x86)} "Windows Kits\10\bin"
    $found = Get-ChildItem -Path $kits -Filter signtool.exe -Recurse -ErrorAction SilentlyContinue |
        Where-Object { $_.FullName -match "\\x64\\" } | Sort-Object FullName -Descending |
        Select-Object -First 1
    if ($found) { return $found.FullName }
    throw "signtool.exe not found: install the Windows SDK (Signing Tools), or build without -CertThumbprint"
}

function Invoke-Sign([string[]]$Files) {
    if (-not $CertThumbprint) { return }
    $signtool = Find-SignTool
    foreach ($file in $Files) {
        Say "signing $file"
        Invoke-Checked $signtool @("sign", "/sha1", $CertThumbprint, "/fd", "SHA256",
            "/tr", $TimestampUrl, "/td", "SHA256", "/d", "Partnership Panel", $file)
        Invoke-Checked $signtool @("verify", "/pa", $file)
    }
}

$started = Get-Date
$pythonCmd = @(Find-Python)  # @(): a one-item answer must stay an array
$isccExe = Find-Iscc  # before the long part: fail early when Inno Setup is missing

# 1. A fresh virtual environment: what goes into the app is exactly what pip installs now.
Say "creating $Venv"
if (Test-Path $Venv) { Remove-Item -Recurse -Force $Venv }
if (Test-Path $Src) { Remove-Item -Recurse -Force $Src }
New-Item -ItemType Directory -Force -Path $Build, $Dist, $Src | Out-Null
$pyExe = $pythonCmd[0]
$pyArgs = @($pythonCmd | Select-Object -Skip 1)
Invoke-Checked $pyExe ($pyArgs + @("-c", "import sys; assert sys.version_info >= (3, 11) and sys.maxsize > 2**32, 'need 64-bit Python 3.11 or later'"))
Invoke-Checked $pyExe ($pyArgs + @("-m", "venv", $Venv))
Invoke-Checked $VenvPython @("-m", "pip", "install", "-q", "--upgrade", "pip")

# 2. The version, from pyproject.toml (the one place it is written).
$Version = (& $VenvPython -c "import sys, tomllib; print(tomllib.load(open(sys.argv[1], 'rb'))['project']['version'])" (Join-Path $Root "pyproject.toml")).Trim()
if ($LASTEXITCODE -ne 0 -or -not $Version) { throw "could not read the version from pyproject.toml" }
$NumericVersion = ($Version -replace '^(\d+(\.\d+){0,3}).*$', '$1')
Say "version $Version"

# 3. The project (a wheel from a clean copy of its sources: no stale build\ can slip in)
#    and PyInstaller.
foreach ($item in @("panel_app", "resources", "setup.py", "pyproject.toml", "README.md")) {
    Copy-Item -Recurse -Path (Join-Path $Root $item) -Destination $Src
}
Get-ChildItem -Path $Src -Recurse -Directory -Filter __pycache__ | Remove-Item -Recurse -Force
Say "installing the app and PyInstaller"
Invoke-Checked $VenvPython @("-m", "pip", "install", "-q", $Src, "pyinstaller>=6.10,<7")
& $VenvPython -m pip list --format=freeze | Set-Content -Encoding utf8 (Join-Path $Build "packages.txt")

# 4. PyInstaller: dist\PartnershipPanel\ with PartnershipPanel.exe and panel-app.exe.
Say "running PyInstaller"
if (Test-Path $App) { Remove-Item -Recurse -Force $App }
Invoke-Checked $VenvPython @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
    "--distpath", $Dist, "--workpath", (Join-Path $Build "work"),
    (Join-Path $Root "installers\pyinstaller\panel_app.spec"))
foreach ($exe in @("PartnershipPanel.exe", "panel-app.exe")) {
    if (-not (Test-Path (Join-Path $App $exe))) { throw "PyInstaller did not make $App\$exe" }
}

# 5. The self-test of the built app; stop here if it fails.
Say "self-test of the built app"
$env:QT_QPA_PLATFORM = "offscreen"
try {
    Invoke-Checked (Join-Path $App "panel-app.exe") @("--self-test")
    $reported = (& (Join-Path $App "panel-app.exe") --version).Trim()
    if ($reported -ne "panel-app $Version") { throw "the built app says '$reported', expected 'panel-app $Version'" }
} finally {
    Remove-Item Env:\QT_QPA_PLATFORM -ErrorAction SilentlyContinue
}

# 6. Optional signing of the executables, before they go into the installer.
Invoke-Sign @((Join-Path $App "PartnershipPanel.exe"), (Join-Path $App "panel-app.exe"))

# 7. The installer. When signing, Inno Setup signs the setup and its uninstaller itself
#    with the "panelsign" tool defined here ($q is a quote and $f the file, in Inno's syntax).
Say "running Inno Setup ($isccExe)"
$isccArgs = @("/Q", "/DAppVersion=$Version", "/DNumericVersion=$NumericVersion",
    "/DSourceDir=$App", "/DOutputDir=$Dist")
if ($CertThumbprint) {
    $signtool = Find-SignTool
    $isccArgs += @("/DSign", ("/Spanelsign=`$q$signtool`$q sign /sha1 $CertThumbprint /fd SHA256 " +
        "/tr $TimestampUrl /td SHA256 /d `$qPartnership Panel`$q `$f"))
}
Invoke-Checked $isccExe ($isccArgs + @((Join-Path $PSScriptRoot "PartnershipPanel.iss")))
$Setup = Join-Path $Dist "PartnershipPanel-$Version-windows-x64-setup.exe"
if (-not (Test-Path $Setup)) { throw "Inno Setup did not make $Setup" }
if ($CertThumbprint) { Invoke-Checked (Find-SignTool) @("verify", "/pa", $Setup) }

$hash = (Get-FileHash -Algorithm SHA256 $Setup).Hash.ToLower()
"$hash  $(Split-Path -Leaf $Setup)" | Set-Content -Encoding ascii "$Setup.sha256"
$minutes = [math]::Round(((Get-Date) - $started).TotalMinutes, 1)
Say "built $Setup in $minutes min"
Say "sha256 $hash"
