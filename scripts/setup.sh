#!/usr/bin/env bash
# Installs every build and test dependency from Debian 12's archive (idempotent: quick
# when everything is there), then configures and builds kdump-setup in ./build.
#   scripts/setup.sh            install + build
#   KDUMP_SETUP_WERROR=ON ...   warnings as errors (CI sets this)
set -euo pipefail
cd "$(dirname "$0")/.."

missing_packages() {
  local pkg
  for pkg in $(grep -v '^#' scripts/packages.txt); do
    dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$' ||
      printf '%s\n' "$pkg"
  done
}

install_packages() {
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these packages are missing and installing them needs root:" $missing >&2
    exit 1
  fi
  echo "setup: installing:" $missing
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

build() {
  local werror=${KDUMP_SETUP_WERROR:-OFF}
  [ "${CI:-}" = true ] && werror=ON
  cmake -S . -B build -G Ninja -DKDUMP_SETUP_WERROR="$werror" >/dev/null
  ninja -C build
}

install_packages
scripts/vm/fetch-kernels.sh >/dev/null  # kernels of other Debian suites for tests/vm
build
echo "setup: built build/kdump-setup"
# Debian trixie's ukify and systemd-stub (add-ons need systemd >= 254), extracted into
# build/uki-tools for the UKI unit and boot tests; never installed.
rc=0; scripts/vm/fetch-uki-tools.sh >/dev/null || rc=$?
case $rc in
  0) ;;
  77) echo "setup: the Debian archive cannot be reached: the UKI tests will be skipped" ;;
  *) exit "$rc" ;;
esac
