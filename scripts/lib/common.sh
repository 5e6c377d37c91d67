# Shared by the project's scripts: find Swift, install missing Debian packages.
# Sourced, not run. Everything a script needs is installed here, never by hand.

fmc_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

# Swift lives in /opt/swift on these machines; make sure it is on PATH.
ensure_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        for d in /opt/swift/usr/bin /opt/swift/bin; do
            [ -x "$d/swift" ] && export PATH="$d:$PATH" && break
        done
    fi
    command -v swift >/dev/null 2>&1 || { echo "error: swift not found (looked in PATH and /opt/swift)" >&2; exit 1; }
}

_apt_updated=0
# ensure_packages PKG... : apt-get install the Debian packages that are not installed yet.
ensure_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    if [ "$_apt_updated" = 0 ]; then
        apt-get update -qq >/dev/null || { echo "error: apt-get update failed" >&2; return 1; }
        _apt_updated=1
    fi
    # wireshark-common asks whether non-root users may capture; preseed the answer.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || { echo "error: apt-get install ${missing[*]} failed" >&2; return 1; }
}

# Packages the build itself needs (the CPcap, CZlib and CCrypto system-library targets, and
# the system SQLite that GRDB links for the run history).
BUILD_PACKAGES=(pkg-config libpcap-dev zlib1g-dev libssl-dev libsqlite3-dev)
