# Shared by the stand-in tools (sourced, POSIX sh). Each call of a stand-in writes one record
# to $STANDIN_LOG: its argv, working directory, its own and its parent's command line from
# /proc, every command line /proc shows at that moment, and its environment, so tests can
# check what ran where with what, and that no password was on any command line meanwhile.

standin_record() {
    tool="$1"
    shift
    dir="${STANDIN_LOG:?STANDIN_LOG is not set}"
    seq=$(date +%s%N)
    rec="$dir/$tool.$seq.$$.rec"
    {
        echo "tool=$tool"
        echo "seq=$seq"
        echo "pid=$$"
        echo "ppid=$PPID"
        echo "cwd=$(pwd)"
        for a in "$@"; do
            printf 'arg=%s\n' "$a"
        done
        printf 'cmdline=%s\n' "$(tr '\0' ' ' < /proc/$$/cmdline)"
        printf 'parent_cmdline=%s\n' "$(tr '\0' ' ' < /proc/$PPID/cmdline 2>/dev/null)"
        for f in /proc/[0-9]*/cmdline; do
            line=$(tr '\0' ' ' < "$f" 2>/dev/null)
            [ -n "$line" ] && printf 'proc_cmdline=%s\n' "$line"
        done
        env | sed 's/^/env./'
    } > "$rec.tmp"
    mv "$rec.tmp" "$rec"
}

# The value after option $1 in the remaining arguments.
standin_opt() {
    want="$1"
    shift
    while [ $# -gt 0 ]; do
        if [ "$1" = "$want" ]; then
            echo "$2"
            return 0
        fi
        shift
    done
    return 1
}

# The value of build setting KEY=VALUE ($1 = KEY) in the remaining arguments.
standin_setting() {
    key="$1"
    shift
    for a in "$@"; do
        case "$a" in
        "$key="*) echo "${a#*=}"; return 0 ;;
        esac
    done
    return 1
}

# An .xcarchive as xcodebuild writes it: Info.plist, the signed app, its dSYM.
standin_archive() {
    archive="$1" app="$2" bundle="$3" version="$4" build="$5" identity="$6"
    mkdir -p "$archive/Products/Applications/$app.app/_CodeSignature" "$archive/dSYMs/$app.app.dSYM/Contents/Resources/DWARF"
    cat > "$archive/Info.plist" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>ApplicationProperties</key>
	<dict>
		<key>ApplicationPath</key>
		<string>Applications/$app.app</string>
		<key>Architectures</key>
		<array>
			<string>arm64</string>
		</array>
		<key>CFBundleIdentifier</key>
		<string>$bundle</string>
		<key>CFBundleShortVersionString</key>
		<string>$version</string>
		<key>CFBundleVersion</key>
		<string>$build</string>
		<key>SigningIdentity</key>
		<string>$identity</string>
	</dict>
	<key>ArchiveVersion</key>
	<integer>2</integer>
	<key>Name</key>
	<string>$app</string>
	<key>SchemeName</key>
	<string>$app</string>
</dict>
</plist>
PLIST
    printf 'CFBundleIdentifier=%s\nCFBundleShortVersionString=%s\nCFBundleVersion=%s\n' "$bundle" "$version" "$build" > "$archive/Products/Applications/$app.app/Info.plist"
    printf '\317\372\355\376 fake arm64 executable of %s\n' "$app" > "$archive/Products/Applications/$app.app/$app"
    chmod 755 "$archive/Products/Applications/$app.app/$app"
    echo "<plist>code resources</plist>" > "$archive/Products/Applications/$app.app/_CodeSignature/CodeResources"
    printf 'fake DWARF of %s\n' "$app" > "$archive/dSYMs/$app.app.dSYM/Contents/Resources/DWARF/$app"
    echo "<plist>dSYM Info</plist>" > "$archive/dSYMs/$app.app.dSYM/Contents/Info.plist"
}

# Hangs like a build that never ends, with a worker that would outlive a killed parent.
standin_hang() {
    sleep 300 &
    echo "$!" > "$STANDIN_LOG/child.$$.pid"
    echo "$$" > "$STANDIN_LOG/$1.$$.pid"
    echo "$2"
    wait
    exit 0
}
