#!/usr/bin/env bash
# Installs whatever Portico's build and tests need and this machine lacks. Idempotent and quick when nothing
# is missing. Usage: .ci/tools.sh [run|test|fuzz]   ("test" also installs Chromium for the browser suite; "fuzz" nightly
# and cargo-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
want="${1:-run}"
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '==> %s\n' "$*" >&2; }

apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { say "apt-get update"; apt-get update -qq; apt_updated=1; }
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- Rust: the WASM standard library -------------------------------------------------------------------
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# --- Node.js and npm (Playwright, and binaryen's wasm-opt) ---------------------------------------------
if ! command -v npm >/dev/null; then apt_install nodejs npm; fi

# Installs a crate's binary from its own lock file. When that lock names a version this machine cannot use
# (one that needs a newer rustc, or one missing from the registry), pins it back and installs from a copy of
# the source that `cargo install` has already unpacked.
install_crate() {
  local crate="$1" version="$2"; shift 2
  local extra=(env CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16)
  say "cargo install $crate@$version (this takes a while on a new machine)"
  if "${extra[@]}" cargo install "$crate" --version "$version" --locked; then return; fi
  local src; src=$(ls -d "$HOME"/.cargo/registry/src/*/"$crate-$version" 2>/dev/null | head -n 1)
  [ -n "$src" ] || { echo "cannot find the source of $crate $version" >&2; exit 1; }
  local work; work=$(mktemp -d)
  cp -r "$src/." "$work"
  local pin
  for pin in "$@"; do
    say "pinning ${pin%@*} to ${pin#*@} in $crate's lock file"
    (cd "$work" && cargo update -p "${pin%@*}" --precise "${pin#*@}")
  done
  (cd "$work" && "${extra[@]}" cargo install --path . --locked)
  rm -rf "$work"
}

# --- cargo-leptos -------------------------------------------------------------------------------------
leptos_version=0.3.11
if ! cargo leptos --version 2>/dev/null | grep -q "$leptos_version"; then
  # 0.3.11's lock names cargo-util-schemas 0.14.2, which needs rustc 1.96.
  install_crate cargo-leptos "$leptos_version" cargo-util-schemas@0.14.1
fi

# --- wasm-bindgen CLI, at exactly the version in our Cargo.lock ----------------------------------------
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$bindgen_version"; then
  # 0.2.130's lock names webpki-roots 1.0.11, which the registry does not serve.
  install_crate wasm-bindgen-cli "$bindgen_version" webpki-roots@1.0.10
fi

# --- npm packages: Playwright and binaryen (wasm-opt), from the lock file ------------------------------
if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -d end2end/node_modules/@playwright/test ] \
   || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "npm ci (end2end)"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
fi

# --- Chromium, for the browser suite ------------------------------------------------------------------
if [ "$want" = test ] && [ ! -x /usr/bin/chromium ]; then apt_install chromium; fi
# --- PostgreSQL, for the throw-away cluster the tests run beside (.ci/postgres.sh); no service is started --
if [ "$want" = test ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt_install postgresql; fi
# --- Fuzzing: a nightly toolchain and cargo-fuzz --------------------------------------------------------
if [ "$want" = fuzz ]; then
  rustup toolchain list | grep -q '^nightly' || { say "rustup toolchain install nightly"; rustup toolchain install nightly --profile minimal; }
  cargo fuzz --version >/dev/null 2>&1 || install_crate cargo-fuzz 0.13.2
fi
say "tools ready"
