#!/usr/bin/env bash
# Sign, notarise and staple the macOS app, then zip it for distribution. Runs on a Mac
# only (Xcode command line tools: codesign, ditto, xcrun notarytool, xcrun stapler, spctl).
#
#   DEVELOPER_ID="Developer ID Application: North Vale Schools Trust (ABCDE12345)" \
#   NOTARY_PROFILE=panel-notary \
#   bash installers/macos/sign-and-notarise.sh ["dist/Partnership Panel.app"]
#
# Before the first run (once per Mac):
#   - the "Developer ID Application" certificate and its private key in the login keychain
#     (security find-identity -v -p codesigning lists it);
#   - the notary credentials stored in the keychain under a profile name:
#       xcrun notarytool store-credentials panel-notary --apple-id YOU@EXAMPLE.ORG \
#         --team-id ABCDE12345 --password APP-SPECIFIC-PASSWORD
# The app comes from PyInstaller (installers/README.md, "macOS"). Result:
#   dist/PartnershipPanel-<version>-macos-<arch>.zip   the signed, notarised, stapled app
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
app=${1:-$root/dist/Partnership Panel.app}
entitlements=$here/entitlements.plist

say() { echo "sign-and-notarise.sh: $*"; }
fail() { say "$*" >&2; exit 1; }

[ "$(uname -s)" = "Darwin" ] || fail "this runs on macOS only."
identity=${DEVELOPER_ID:?set DEVELOPER_ID to the signing identity, e.g. "Developer ID Application: NAME (TEAMID)"}
profile=${NOTARY_PROFILE:?set NOTARY_PROFILE to the notarytool keychain profile (xcrun notarytool store-credentials)}
[ -d "$app" ] || fail "no app at $app: build it first (installers/README.md)."

version=$(/usr/libexec/PlistBuddy -c "Print :CFBundleShortVersionString" "$app/Contents/Info.plist")
zip=$(dirname "$app")/PartnershipPanel-$version-macos-$(uname -m).zip

# 1. Sign everything inside the app, then the app, with the hardened runtime and a secure
#    timestamp (both required for notarisation).
say "signing $app as $identity"
codesign --force --deep --options runtime --timestamp \
  --entitlements "$entitlements" --sign "$identity" "$app"
codesign --verify --deep --strict --verbose=2 "$app"

# 2. Zip it the way Apple's notary service expects (ditto keeps the bundle's structure).
rm -f "$zip"
ditto -c -k --sequesterRsrc --keepParent "$app" "$zip"

# 3. Notarise: upload and wait for the verdict (usually a few minutes).
say "submitting $zip to the notary service (profile $profile)"
result=$(xcrun notarytool submit "$zip" --keychain-profile "$profile" --wait --output-format json)
echo "$result"
if ! printf '%s' "$result" | grep -q '"status" *: *"Accepted"'; then
  id=$(printf '%s' "$result" | sed -n 's/.*"id" *: *"\([^"]*\)".*/\1/p' | head -n 1)
  fail "notarisation was not accepted; see why with: xcrun notarytool log ${id:-SUBMISSION-ID} --keychain-profile $profile"
fi

# 4. Staple the ticket to the app, so Gatekeeper accepts it without going online.
xcrun stapler staple "$app"
xcrun stapler validate "$app"

# 5. Zip the stapled app again: this is the file to distribute.
rm -f "$zip"
ditto -c -k --sequesterRsrc --keepParent "$app" "$zip"

# 6. What Gatekeeper will say on a user's Mac ("accepted, source=Notarized Developer ID").
spctl --assess --type execute --verbose=4 "$app"
say "done: $zip"
shasum -a 256 "$zip"
