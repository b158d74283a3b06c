#!/usr/bin/env bash
# `make deb`: builds appvault_VERSION_ARCH.deb in the checkout's folder from a `make install`
# staged with PREFIX=/usr, adds what Debian wants (control with Depends from dpkg-shlibdeps,
# DEP-5 copyright, changelog.Debian.gz, gzip'd man page, md5sums) and checks it with lintian,
# which must report no error. Prints the package's path last.
#   DEB_MAINTAINER   the Maintainer field (default below: set it for a real release)
#   DEB_REVISION     the Debian revision (default 1)
#   APPVAULT_BIN_DIR reuse a release build instead of building
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh dpkg-dev lintian binutils
maintainer=${DEB_MAINTAINER:-appvault maintainers <appvault@users.noreply.github.com>}
revision=${DEB_REVISION:-1}
work=$(mktemp -d /tmp/appvault-deb-XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -m 755 "$root"

bin=${APPVAULT_BIN_DIR:-$(scripts/install/build-release.sh)}
PREFIX=/usr DESTDIR=$root APPVAULT_BIN_DIR=$bin scripts/install/install.sh install >/dev/null
# dpkg keeps its own list of the package's files; make install's manifest has no place here.
rm -r "$root/usr/share/appvault"

upstream=$("$root/usr/bin/appvault" --version)
version=$upstream-$revision
arch=$(dpkg --print-architecture)
doc=$root/usr/share/doc/appvault
gzip -9n "$root/usr/share/man/man1/appvault.1"
install -m 644 packaging/debian/copyright "$doc/copyright"
{
    printf 'appvault (%s) unstable; urgency=medium\n\n' "$version"
    printf '  * appvault %s, built by `make deb` from commit %s.\n\n' "$upstream" \
        "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    printf ' -- %s  %s\n' "$maintainer" "$(git log -1 --format=%aD 2>/dev/null || date -R)"
} > "$work/changelog"
gzip -9n -c "$work/changelog" > "$doc/changelog.Debian.gz"
chmod 644 "$doc/changelog.Debian.gz"

# Depends from the shared libraries the binary really loads (libsodium, libssl, libsqlite3, libc...).
mkdir -p "$work/src/debian"
printf 'Source: appvault\n\nPackage: appvault\nArchitecture: any\n' > "$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O "$root/usr/bin/appvault" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }

mkdir -m 755 "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$maintainer|" \
    -e "s|@INSTALLED_SIZE@|$size|" -e "s|@DEPENDS@|$depends|" packaging/debian/control > "$root/DEBIAN/control"
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

deb=appvault_${version}_${arch}.deb
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s) \
    dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "built $deb ($(du -h "$deb" | cut -f1); Depends: $depends)" >&2
# lintian: errors fail the build; warnings are listed in docs/install.md with the reason they stay.
lintian --fail-on error --display-info "$deb" >&2
echo "$PWD/$deb"
